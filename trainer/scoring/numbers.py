"""Numbers as people write them in replies: digits or Chinese numerals, full- or half-width, with units.

Facts are compared on values, not on spelling: "十点半", "10:30" and "１０点３０" are the same time, and
"三百元" is 300 yuan. Pure functions over text (no Flask, no database).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .normalize import fold

CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2, "〇": 0}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUMBER = re.compile("[零〇一二三四五六七八九两十百千万]+")


def cn_number(run: str) -> str:
    """二十四 → 24, 十 → 10, 一百零五 → 105, 一二零 → 120 (read digit by digit when there is no unit)."""
    if not any(c in CN_UNITS or c == "万" for c in run):
        return "".join(str(CN_DIGITS[c]) for c in run)
    total = section = number = 0
    for char in run:
        if char in CN_DIGITS:
            number = CN_DIGITS[char]
        elif char in CN_UNITS:
            section += (number or 1) * CN_UNITS[char]
            number = 0
        else:  # 万
            total += (section + number) * 10000
            section = number = 0
    return str(total + section + number)


def arabic(text: str) -> str:
    """The text folded (Simplified, half-width, no spaces) with Chinese numerals written as digits.

    "一" inside ordinary words (一下, 一起, 统一) is not a number to anyone: a lone 一 is kept unless a
    unit or another numeral follows it.
    """
    folded = fold(text)

    def convert(match: re.Match[str]) -> str:
        run = match.group()
        if run == "一" and not _UNIT_AFTER.match(folded, match.end()):
            return run
        return cn_number(run)

    return CN_NUMBER.sub(convert, folded)


_UNIT_AFTER = re.compile(r"(?:点|时|分|秒|元|块|天|日|号|月|年|个|小时|钟|周|次|户|栋|楼|层|单元)")

# clock times: 10点, 10点半, 10:30, 上午10点, 下午3点20(分)
_CLOCK = re.compile(
    r"(?P<half>上午|早上|中午|下午|傍晚|晚上|今晚|凌晨)?(?P<h>\d{1,2})(?:(?::|：)(?P<m>\d{2})|点(?:(?P<m2>\d{1,2})分?|(?P<ban>半))?)"
)
_AMOUNT = re.compile(r"(?P<n>\d+(?:\.\d+)?)(?:元|块钱|块)")
_DURATION = re.compile(r"(?P<n>\d+(?:\.\d+)?)(?:个)?(?P<u>分钟|小时|钟头|天|个工作日|工作日|周)")
_MINUTES = {"分钟": 1, "小时": 60, "钟头": 60, "天": 1440, "个工作日": 1440, "工作日": 1440, "周": 10080}


@dataclass(frozen=True)
class Quantity:
    kind: str  # "time" (minutes after midnight), "amount" (yuan), "duration" (minutes)
    value: float
    text: str  # as it appears in the folded text
    start: int  # offsets in the folded-and-converted text (for reporting only)
    end: int
    #: a clock time said without 上午/下午 that could be either half of the day ("六点前" may mean 18:00)
    twelve_hour: bool = False


def quantities(text: str) -> list[Quantity]:
    """Every clock time, amount of money and duration stated in `text`."""
    converted = arabic(text)
    found: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    for match in _CLOCK.finditer(converted):
        hour = int(match.group("h"))
        minute = int(match.group("m") or match.group("m2") or (30 if match.group("ban") else 0))
        if hour > 24 or minute > 59:
            continue
        # "10点" after a duration word ("等了10点"?) is still a clock time; only "N点钟以内" style is rare enough
        if match.group("half") in ("下午", "傍晚", "晚上", "今晚") and hour < 12:
            hour += 12
        ambiguous = match.group("half") is None and 1 <= hour <= 12
        found.append(Quantity("time", hour * 60 + minute, match.group(), match.start(), match.end(), ambiguous))
        taken.append(match.span())
    for match in _AMOUNT.finditer(converted):
        found.append(Quantity("amount", float(match.group("n")), match.group(), match.start(), match.end()))
    for match in _DURATION.finditer(converted):
        if any(s <= match.start() < e for s, e in taken):
            continue
        minutes = float(match.group("n")) * _MINUTES[match.group("u")]
        found.append(Quantity("duration", minutes, match.group(), match.start(), match.end()))
    return found


def parse_fact_value(kind: str, value: object) -> float | None:
    """A fact's value from content ("10:00", "上午十点", 300, "2小时") in the unit `quantities` uses."""
    if kind == "amount" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    text = str(value)
    if kind == "amount" and not re.search(r"元|块", text):
        text += "元"
    if kind == "duration" and re.fullmatch(r"\d+(?:\.\d+)?", text):
        return None
    found = [q for q in quantities(text) if q.kind == kind]
    return found[0].value if len(found) == 1 else None
