"""Mask personal data before a reply or transcript is stored.

The reference documents require owner data to be masked (002: privacy of owner information). Masking
replaces characters one for one with `*`, so the text keeps its length and every span in a stored
score report still points at the right characters.
"""

from __future__ import annotations

import re
from functools import partial

_D = r"[0-9０-９]"
_PATTERNS = [
    # ID-card numbers: 17 digits and a digit or X. Keep the region (first 6) and the last 2.
    (re.compile(rf"(?<!{_D})({_D}{{6}})({_D}{{10}})({_D}{{1}}[{_D[1:-1]}Xx])(?!{_D})"), (False, True, False)),
    # Bank cards: 16–19 digits, optionally grouped by spaces or dashes. Keep the last 4.
    (re.compile(rf"(?<!{_D})()((?:{_D}[ -]?){{12,15}})({_D}{{4}})(?!{_D})"), (False, True, False)),
    # Mobile numbers (optionally +86 / 86). Keep the first 3 and the last 4.
    (re.compile(rf"(?<!{_D})((?:\+?86[ -]?)?1[3-9１-９]{_D})([ -]?{_D}{{4}})([ -]?{_D}{{4}})(?!{_D})"),
     (False, True, False)),
    # Landlines: area code then 7–8 digits. Keep the area code and the last 2.
    (re.compile(rf"(?<!{_D})(0{_D}{{2,3}}[ -]?)({_D}{{5,6}})({_D}{{2}})(?!{_D})"), (False, True, False)),
    # E-mail addresses: keep the first character of the name and the domain.
    (re.compile(r"([A-Za-z0-9])([A-Za-z0-9._%+-]*)(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})"), (False, True, False)),
]


def _star(text: str) -> str:
    return "".join(ch if ch in " -" else "*" for ch in text)


def _hidden(hide: tuple[bool, ...], match: re.Match[str]) -> str:
    """The match with the groups `hide` marks starred."""
    return "".join(_star(part) if h else part for part, h in zip(match.groups(), hide, strict=True))


def mask(text: str) -> str:
    """`text` with phone numbers, ID-card numbers, bank cards and e-mail addresses partly hidden."""
    for pattern, hide in _PATTERNS:
        text = pattern.sub(partial(_hidden, hide), text)
    return text
