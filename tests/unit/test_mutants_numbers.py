"""Rules of trainer.scoring.numbers that mutation testing found unguarded (see tests/MUTANTS.md)."""

import pytest

from trainer.scoring.numbers import cn_number, parse_fact_value, quantities


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("amount", 300, 300.0),  # a number in content is yuan
        ("amount", 12.5, 12.5),
        ("amount", "300", 300.0),  # a text without a unit is yuan too
        ("amount", "三百块", 300.0),
        ("amount", "300元", 300.0),
        # the unit is only added when the text names none: "上限1000" must not become a second amount
        ("amount", "违约金300元，上限1000", 300.0),
        ("time", "上午十点", 600.0),
        ("time", "10:30", 630.0),
        ("duration", "2小时", 120.0),
    ],
)
def test_rule_fact_values_are_read_in_the_unit_quantities_uses(kind, value, expected):
    assert parse_fact_value(kind, value) == expected


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("time", 10),  # a bare number is no clock time
        ("duration", 30),  # nor a duration: the unit must be said
        ("duration", "30"),
        ("amount", True),  # a YAML yes is not an amount
        ("time", ["10:00"]),  # a list is no value, whatever its text looks like
        ("amount", {"value": 300}),
        ("amount", "300元或400元"),  # two amounts: which one is meant is unclear
    ],
)
def test_rule_a_value_that_is_not_one_quantity_of_its_kind_is_refused(kind, value):
    assert parse_fact_value(kind, value) is None


@pytest.mark.parametrize(
    ("run", "digits"),
    [
        ("一万", "10000"),
        ("三万", "30000"),
        ("两万三千", "23000"),
        ("一万零五", "10005"),
        ("一百二十", "120"),  # units add up
        ("一二零", "120"),  # no unit: digit by digit
    ],
)
def test_rule_chinese_numerals_are_read_as_people_write_them(run, digits):
    assert cn_number(run) == digits


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("下午3点20分到，费用300元，大约2小时",
         [("time", 920, "下午3点20分", 0, 7, False), ("amount", 300.0, "300元", 11, 15, False),
          ("duration", 120.0, "2小时", 18, 21, False)]),
        # 25点 and 61 minutes are no clock times; the search goes on after them
        ("25点和10点61分都不是时间，12点是", [("time", 720, "12点", 16, 19, True)]),
        ("24点前，10点59分", [("time", 1440, "24点", 0, 3, False), ("time", 659, "10点59分", 5, 11, True)]),
        # evening words move the hour to the afternoon, up to 11; 下午12点 is noon
        ("傍晚6点、晚上7点、今晚8点、下午12点",
         [("time", 1080, "傍晚6点", 0, 4, False), ("time", 1140, "晚上7点", 5, 9, False),
          ("time", 1200, "今晚8点", 10, 14, False), ("time", 720, "下午12点", 15, 20, False)]),
        # without 上午/下午 the hours 1 to 12 could be either half of the day, 0 and 13 on could not
        ("1点到12点之间，0点，13点",
         [("time", 60, "1点", 0, 2, True), ("time", 720, "12点", 3, 6, True), ("time", 0, "0点", 9, 11, False),
          ("time", 780, "13点", 12, 15, False)]),
        # a duration inside a clock time is part of it; right after it, it is a duration of its own
        ("10点30分钟", [("time", 630, "10点30分", 0, 6, True)]),
        ("10点半2小时", [("time", 630, "10点半", 0, 4, True), ("duration", 120.0, "2小时", 4, 7, False)]),
    ],
)
def test_rule_quantities_are_every_time_amount_and_duration_with_their_place(text, found):
    assert [(q.kind, q.value, q.text, q.start, q.end, q.twelve_hour) for q in quantities(text)] == found


def test_rule_sixty_minutes_is_no_clock_time():
    assert quantities("10点60分") == []


def test_rule_a_duration_inside_a_clock_time_does_not_hide_the_durations_after_it():
    assert [(q.kind, q.value, q.text) for q in quantities("10点30分钟，大约2小时")] == [
        ("time", 630, "10点30分"), ("duration", 120.0, "2小时")]
