"""Reads of the public catalog shared by the API and the pages. Catalogue only: nothing here
reads seats."""

from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.models import (
    DateField,
    DecimalField,
    Func,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from .models import Event, PriceTier

# Drafts are staff-only; a cancelled event stays reachable by its link so that ticket holders
# can see what happened to it, but is never listed.
PUBLIC_STATUSES = (Event.Status.ON_SALE, Event.Status.CANCELLED)
SEARCH_CONFIG = "english"


def public_events() -> QuerySet[Event]:
    return Event.objects.filter(status__in=PUBLIC_STATUSES)


def _tier_price(aggregate) -> Subquery:
    return Subquery(
        PriceTier.objects.filter(event=OuterRef("pk"))
        .order_by()
        .values("event")
        .annotate(value=aggregate("price"))
        .values("value"),
        output_field=DecimalField(max_digits=10, decimal_places=2),
    )


# Every zone's offset lies within these (UTC-12 to UTC+14): a venue's day lies inside the UTC
# day widened by them, which lets the starts_at index narrow a date filter.
EARLIEST_OFFSET, LATEST_OFFSET = timedelta(hours=-12), timedelta(hours=14)


class VenueLocalDate(Func):
    """The calendar date of an instant on the clock of a zone named by another column: the day
    a buyer at the venue calls it."""

    output_field = DateField()

    def _compiled(self, compiler):
        moment, moment_params = compiler.compile(self.source_expressions[0])
        zone, zone_params = compiler.compile(self.source_expressions[1])
        return moment, tuple(moment_params), zone, tuple(zone_params)

    def as_sql(self, compiler, connection, **extra):
        # PostgreSQL: timezone(zone, timestamptz) is the wall-clock time in that zone.
        moment, moment_params, zone, zone_params = self._compiled(compiler)
        return f"(timezone({zone}, {moment}))::date", zone_params + moment_params

    def as_sqlite(self, compiler, connection, **extra):
        # Django's own SQLite function (what TruncDate calls), fed the zone per row.
        moment, moment_params, zone, zone_params = self._compiled(compiler)
        sql = f"django_datetime_cast_date({moment}, {zone}, %s)"
        return sql, moment_params + zone_params + (connection.timezone_name,)


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def search_events(
    *,
    q: str | None = None,
    city: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[Event]:
    """Events a buyer can browse: on sale and not started, soonest first (best match first
    when searching). Each carries its venue and min_price/max_price; both date bounds are
    inclusive days on the venue's clock (a Berlin concert at 00:30 on the 5th is on the 5th,
    though it is still the 4th in UTC)."""
    events = (
        Event.objects.filter(status=Event.Status.ON_SALE, starts_at__gt=timezone.now())
        .select_related("venue")
        .annotate(min_price=_tier_price(Min), max_price=_tier_price(Max))
    )
    if city:
        events = events.filter(venue__city__iexact=city.strip())
    # The first and last days of the calendar bound nothing (and a day past 9999-12-31, or a
    # midnight before year 1 in UTC, would overflow).
    bound_from = date_from and date_from > date.min + timedelta(days=1)
    bound_to = date_to and date_to < date.max - timedelta(days=1)
    if bound_from or bound_to:
        events = events.alias(local_day=VenueLocalDate("starts_at", "venue__time_zone"))
    if bound_from:
        events = events.filter(
            starts_at__gte=_utc_midnight(date_from) - LATEST_OFFSET, local_day__gte=date_from
        )
    if bound_to:
        after = _utc_midnight(date_to + timedelta(days=1)) - EARLIEST_OFFSET
        events = events.filter(starts_at__lt=after, local_day__lte=date_to)
    q = (q or "").strip()
    if not q:
        return events.order_by("starts_at", "id")
    if settings.USING_POSTGRES:
        vector = (
            SearchVector("title", weight="A", config=SEARCH_CONFIG)
            + SearchVector("venue__name", "venue__city", weight="B", config=SEARCH_CONFIG)
            + SearchVector("description", weight="C", config=SEARCH_CONFIG)
        )
        query = SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)
        return (
            events.annotate(search=vector, rank=SearchRank(vector, query))
            .filter(search=query)
            .order_by("-rank", "starts_at", "id")
        )
    # SQLite (the embedded default) has no full-text search: any field containing the words.
    for word in q.split():
        events = events.filter(
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(venue__name__icontains=word)
            | Q(venue__city__icontains=word)
        )
    return events.order_by("starts_at", "id")


def get_public_event(*, event_id: int | None = None, slug: str | None = None) -> Event | None:
    """One event as the public sees it (never a draft), with its venue and price tiers; None
    when there is no such public event."""
    if (event_id is None) == (slug is None):
        raise TypeError("Give exactly one of event_id and slug.")
    lookup = {"pk": event_id} if event_id is not None else {"slug": slug}
    return (
        public_events()
        .filter(**lookup)
        .select_related("venue")
        .prefetch_related("price_tiers")
        .annotate(min_price=_tier_price(Min), max_price=_tier_price(Max))
        .first()
    )


def public_event_exists(event_id: int) -> bool:
    return public_events().filter(pk=event_id).exists()
