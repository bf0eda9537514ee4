"""OPML import and export of the blogs a learner follows. Thin: the work is in sources.opml."""

from collections import Counter

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from sources import opml
from sources.models import Blog


class OpmlUploadForm(forms.Form):
    file = forms.FileField(
        label="OPML file",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".opml,.xml,text/x-opml,text/xml,application/xml"}
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > opml.MAX_BYTES:
            raise forms.ValidationError(opml.TOO_LARGE)
        return upload


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def opml_page(request):
    """The import form and the export link; a POST imports and lists what happened to each
    outline. A file refused as a whole imports nothing and answers 400."""
    if request.method != "POST":
        return render(request, "sources/opml.html", {"form": OpmlUploadForm()})
    form = OpmlUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            outlines = opml.parse(form.cleaned_data["file"].read(opml.MAX_BYTES + 1))
        except opml.OpmlError as exc:
            form.add_error("file", exc.message)
        else:
            results = opml.import_outlines(request.user, outlines)
            context = {
                "form": OpmlUploadForm(),
                "results": results,
                "counts": Counter(result.outcome for result in results),
            }
            return render(request, "sources/opml.html", context)
    return render(request, "sources/opml.html", {"form": form}, status=400)


@login_required
@require_safe
def opml_export(request):
    """The learner's followed blogs as an OPML 2.0 download."""
    blogs = Blog.objects.filter(followers__user=request.user).order_by("title", "pk")
    response = HttpResponse(
        opml.build(blogs, created=timezone.now()), content_type="text/x-opml; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="pln-hub-blogs.opml"'
    return response
