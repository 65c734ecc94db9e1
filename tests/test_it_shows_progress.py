"""Long commands show how far they have come on standard error: a bar on a terminal, a line every
few seconds in a log, nothing with -v 0."""

import io

from django.core.management import call_command

from episodes.models import Segment
from smarttech.progress import Progress, duration


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_log_gets_a_line_every_few_seconds_with_the_speed_and_the_time_left():
    log, clock = io.StringIO(), Clock()
    progress = Progress("files", stream=log, rate_unit="lines", every_seconds=5, clock=clock)
    progress.start(4)
    for _ in range(4):
        clock.now += 3  # a file every 3 s, 600 lines each
        progress.advance(1, rated=600)
    progress.finish()
    lines = log.getvalue().splitlines()
    assert lines == [
        "2 / 4 files (50%) · 200 lines/s · 6 s left",  # at 6 s: past 5 s since the start
        "4 / 4 files (100%) · 200 lines/s · in 12 s",
    ]


def test_a_terminal_gets_a_bar_drawn_again_in_place():
    terminal, clock = Terminal(), Clock()
    progress = Progress("moments", stream=terminal, clock=clock)
    progress.start(1000)
    clock.now += 1
    progress.advance(250)
    progress.finish()
    drawn = terminal.getvalue()
    assert drawn.startswith("\r[########......................] 250 / 1,000 moments (25%) · 250 moments/s · 3 s left")
    assert drawn.endswith("\n") and drawn.count("\n") == 1 and drawn.count("\r") == 2


def test_durations_read_as_people_say_them():
    assert [duration(s) for s in (4, 125, 3780)] == ["4 s", "2 min 05 s", "1 h 03 min"]


def test_rebuild_index_and_check_index_tell_their_progress_and_are_silent_at_verbosity_0(sample_episode):
    moments = Segment.objects.filter(episode=sample_episode).count()
    out, err = io.StringIO(), io.StringIO()
    call_command("rebuild_index", stdout=out, stderr=err)
    assert out.getvalue() == f"Indexed {moments} moments.\n"
    assert err.getvalue().startswith(f"{moments} / {moments} moments (100%) · ")

    err = io.StringIO()
    call_command("check_index", stdout=io.StringIO(), stderr=err)
    assert err.getvalue().startswith("1 / 1 episodes (100%) · ")

    err = io.StringIO()
    call_command("rebuild_index", verbosity=0, stdout=io.StringIO(), stderr=err)
    call_command("check_index", verbosity=0, stdout=io.StringIO(), stderr=err)
    assert err.getvalue() == ""
