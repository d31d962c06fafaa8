from django.core.management.base import BaseCommand

from apps.inventory.lockstats import rollup


class Command(BaseCommand):
    help = (
        "Copies the seat-lock contention counters from Redis into the database (what Celery "
        "beat runs every LOCKSTATS_ROLLUP_SECONDS). Safe to run at any time."
    )

    def handle(self, *args, **options):
        rows = rollup()
        self.stdout.write(f"Rolled up {rows} seat-minute row{'s' if rows != 1 else ''}.")
