from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.backoffice.demo import seed_demo
from apps.common.venue_time import format_local


class Command(BaseCommand):
    help = (
        "Loads demo venues, events on sale, a staff account and a buyer account, and prints "
        "their logins. Safe to run again: existing data is left as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off. The demo staff account has a published password: "
            "never use this on a site others can reach.",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates a superuser whose password is printed here and in the "
                "README, so it only runs with DEBUG on. Use --force for a private test setup."
            )
        result = seed_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(result.events)} events ({result.events_created} new), "
                f"{result.venues_created} new venues, "
                f"{result.seats_created} new seats."
            )
        )
        for event in result.events:
            when = format_local(event.starts_at, event.venue, "Y-m-d H:i T")
            self.stdout.write(
                f"  {event.title} — {event.venue}, {when} ({event.get_status_display().lower()})"
            )
        self.stdout.write("Log in with:")
        for account in result.accounts:
            where = " (admin at /admin/)" if account.role == "Staff" else ""
            if account.password_works:
                login = f"{account.email} / {account.password}"
            else:
                login = f"{account.email} (its password was changed since it was seeded)"
            self.stdout.write(f"  {account.role}{where}: {login}")
