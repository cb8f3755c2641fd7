"""Dates and times in Europe/Oslo (``settings.TIME_ZONE``), the zone every due date and meeting
time is read and typed in."""

import datetime

from django.utils import timezone


def local_tz() -> datetime.tzinfo:
    """Europe/Oslo (``settings.TIME_ZONE``)."""
    return timezone.get_default_timezone()


def local_today() -> datetime.date:
    """Today in Europe/Oslo."""
    return timezone.localdate(timezone=local_tz())
