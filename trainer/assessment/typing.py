"""Typing speed the way the competency model states it: correct Chinese characters per minute.

信息技术应用能力 asks for about 80 characters a minute. Speed counts only characters that match the
passage (aligned with difflib, so one missed character does not make the rest "wrong"), and accuracy
is correct characters over characters typed, so mashing keys cannot buy speed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

BAR_CPM = 80
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class TypingResult:
    correct: int
    typed: int
    cpm: float
    accuracy: float
    value: float  # evidence for it_skills: speed (capped at 100) scaled by accuracy

    @property
    def meets_bar(self) -> bool:
        return self.cpm >= BAR_CPM and self.accuracy >= 0.95


def measure(passage: str, typed: str, seconds: float) -> TypingResult:
    target, given = _SPACE.sub("", passage), _SPACE.sub("", typed)
    matcher = difflib.SequenceMatcher(None, target, given, autojunk=False)
    correct = sum(block.size for block in matcher.get_matching_blocks())
    minutes = max(seconds, 1.0) / 60
    cpm = round(correct / minutes, 1)
    accuracy = round(correct / len(given), 4) if given else 0.0
    return TypingResult(correct, len(given), cpm, accuracy, round(min(100.0, cpm) * accuracy, 1))
