import pytest

from ethos.demo import services as demo


@pytest.fixture(autouse=True)
def _room_today(settings):
    """Give the demo a day with room in it, at any hour the suite runs.

    The demo holds two sessions today, so in the last ten minutes of a local day it refuses (and
    says so). Rather than skip, the tests then run in a time zone where the same instant falls
    earlier in its day: the demo's own clock, not the test's expectations, moves.
    """
    for zone in (settings.TIME_ZONE, "Etc/GMT-6", "Etc/GMT+6"):
        settings.TIME_ZONE = zone
        if demo.room_today():
            return
    raise AssertionError("no time zone left the demo room today")
