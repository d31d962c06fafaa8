from django.core.management.base import BaseCommand

from apps.inventory.holds import expire_holds


class Command(BaseCommand):
    help = "Releases every hold whose time has passed (what Celery beat runs every 30 seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args, batch_size=None, **options):
        released = expire_holds(batch_size=batch_size)
        self.stdout.write(f"Released {released} expired hold{'s' if released != 1 else ''}.")
