from django.core.management.base import BaseCommand

from apps.bookings.reconciliation import reconcile_payments


class Command(BaseCommand):
    help = (
        "Finishes payments a crash, a timeout or a lost webhook left open: tickets or a refund "
        "for each (what beat runs every minute)."
    )

    def handle(self, *args, **options):
        report = reconcile_payments()
        self.stdout.write(
            f"looked up {report.looked_up}, settled {report.settled}, refunds sent "
            f"{report.refunds_sent}, gateway unreachable for {report.unreachable}; "
            f"money without tickets: {report.money_without_tickets}"
        )
        if report.money_without_tickets:
            self.stderr.write(
                "Some payments still have neither tickets nor a refund: see the admin's "
                '"Payments that need attention".'
            )
