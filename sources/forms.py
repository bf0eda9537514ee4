from django import forms


class FollowBlogForm(forms.Form):
    address = forms.CharField(
        label="Blog or feed address",
        max_length=2000,
        widget=forms.TextInput(
            attrs={
                "placeholder": "https://example.org/blog/",
                "inputmode": "url",
                "autocomplete": "url",
            }
        ),
    )


class FollowHashtagForm(forms.Form):
    tag = forms.CharField(
        label="Hashtag",
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "#SUB101", "autocomplete": "off"}),
    )
