"""The back office's admin registrations (autodiscovered as `apps.backoffice.admin`): venues and
events (models of apps.events, so still under /admin/events/...) and the lock-contention
overview (LockStat, of apps.inventory, at /admin/inventory/lockstat/)."""

from . import events, monitoring, venues  # noqa: F401 (each module registers its admins)
