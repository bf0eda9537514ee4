"""Poll Sources now, in this process: the same function the worker and the admin use."""

from django.core.management.base import BaseCommand

from feeds.polling import poll_source
from sources.models import Source


class Command(BaseCommand):
    help = "Poll the given Sources (or every Source with --all) now, paused ones included."

    def add_arguments(self, parser):
        parser.add_argument("source_ids", nargs="*", type=int)
        parser.add_argument("--all", action="store_true", help="poll every Source")

    def handle(self, *args, source_ids: list[int], all: bool, **options):
        ids = list(Source.objects.values_list("pk", flat=True)) if all else source_ids
        for source_id in ids:
            outcome = poll_source(source_id, force=True)
            source = Source.objects.get(pk=source_id)
            detail = f": {source.last_error}" if source.last_error else ""
            self.stdout.write(f"{source_id} {source}: {outcome.value}{detail}")
