from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from apps.common.venue_time import format_local, venue_wall_clock


def test_the_hour_berlin_lives_twice_is_told_apart_by_its_zone():
    # 27 October 2030: 03:00 CEST becomes 02:00 CET, so 02:30 happens twice.
    first, second = (datetime(2030, 10, 27, h, 30, tzinfo=UTC) for h in (0, 1))
    assert format_local(first, "Europe/Berlin", "H:i T") == "02:30 CEST"
    assert format_local(second, "Europe/Berlin", "H:i T") == "02:30 CET"


def test_a_wall_clock_time_that_happens_twice_is_refused():
    with pytest.raises(ValidationError) as refused:
        venue_wall_clock(datetime(2030, 10, 27, 2, 30, tzinfo=UTC), "Europe/Berlin")
    assert refused.value.code == "ambiguous_local_time"


def test_wall_clock_time_at_the_venue():
    typed = datetime(2030, 7, 1, 10, 0, tzinfo=UTC)  # "10:00" as the form parsed it
    assert venue_wall_clock(typed, "Europe/Berlin") == datetime(2030, 7, 1, 8, 0, tzinfo=UTC)
    assert venue_wall_clock(typed, "America/New_York") == datetime(2030, 7, 1, 14, 0, tzinfo=UTC)
    assert format_local(None, "Europe/Berlin") == ""
