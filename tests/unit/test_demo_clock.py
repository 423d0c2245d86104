"""The demo's clock: its history must not depend on when, or how fast, the demo is made.

The demo's promotion story (test_demo_story) rests on scores near the grade rules, so the history must come
out the same at any hour and on a machine of any speed. These tests hold the two rules that keep it so; the
third source of variation, the spot-check draw, takes the demo's seeded stream (test_assessment).
"""

import time
from datetime import datetime, timedelta

from trainer import timeutil
from trainer.demo.activity import TICK, dated, story_now


def test_rule_the_story_ends_at_the_latest_close_of_a_working_day_whatever_the_hour():
    same_day = [story_now(datetime(2026, 12, 1, hour, 5)) for hour in (11, 12, 16, 23)]
    assert same_day == [datetime(2026, 12, 1, 10, 30)] * 4
    assert story_now(datetime(2026, 12, 1, 10, 30)) == datetime(2026, 12, 1, 10, 30)


def test_rule_before_the_close_the_story_ends_the_day_before():
    assert story_now(datetime(2026, 12, 1, 3, 0)) == datetime(2026, 11, 30, 10, 30)
    assert story_now(datetime(2026, 1, 1, 0, 1)) == datetime(2025, 12, 31, 10, 30)


def test_rule_inside_dated_the_clock_moves_one_tick_per_reading_not_with_real_time():
    at = datetime(2026, 9, 1, 2, 0)
    with dated(at):
        first = timeutil.utcnow()
        time.sleep(0.05)  # real time passing must not show
        second = timeutil.utcnow()
    assert (first, second) == (at + TICK, at + 2 * TICK)
    assert abs(timeutil.utcnow() - datetime.now()) < timedelta(days=1)  # the real clock is back afterwards
