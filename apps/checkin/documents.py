from django.utils.translation import gettext as _

from .selectors import local_time
from .services import Admission


def admission_document(admission: Admission) -> dict:
    when = local_time(admission.checked_in_at, admission.zone)
    return {
        "result": "admitted",
        "detail": _("Admitted: %(place)s.") % {"place": admission.place},
        "event": admission.event_id,
        "place": admission.place,
        "door": admission.door,
        "checked_in_at": admission.checked_in_at.isoformat(),
        "checked_in_at_local": when,
    }
