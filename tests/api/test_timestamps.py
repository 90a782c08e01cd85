"""Timestamps in the JSON contract: written as DRF's DateTimeField writes them."""

import zoneinfo
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from claims.api.serializers.contract import Timestamp


@settings(max_examples=300)
@given(
    moment=st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.timezones()
    )
    | st.datetimes(),
    zone=st.sampled_from(["UTC", "Asia/Shanghai", "America/New_York"]),
)
def test_a_timestamp_is_written_as_drf_writes_it(moment, zone):
    """The contract's timestamps take a direct path for aware datetimes; every value, aware
    in any zone or naive, in the site's zone or another, reads as DRF's own field writes it
    (or fails as it does)."""
    site = zoneinfo.ZoneInfo(zone)
    ours, drfs = Timestamp(default_timezone=site), serializers.DateTimeField(default_timezone=site)

    def written(field):
        try:
            return field.to_representation(moment)
        except serializers.ValidationError as error:
            return ("error", str(error.detail))

    assert written(ours) == written(drfs)
