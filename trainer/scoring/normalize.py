"""Text normalisation with an offset map back to the original.

Agents type Traditional or Simplified, full- or half-width, with stray spaces (sometimes on purpose:
"我们 不 管"). Matching runs on one canonical form — Simplified, half-width, lower-case, unified
punctuation and quotes, no spaces or zero-width characters — while every hit is reported at its
code-point offsets in the text the trainee actually typed.

Normalisation is one-to-one per character (characters are converted or dropped, never split or
merged), so the offset map is simply "original index of each normalised character".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import opencc

# Punctuation and quotes folded to one ASCII form each. Opening quotes become “ and closing ”;
# the symmetric ASCII quote is paired up later by position.
_PUNCT = {
    "，": ",", "、": ",", "﹐": ",", "。": ".", "｡": ".", "．": ".", "！": "!", "？": "?", "；": ";",
    "：": ":", "（": "(", "）": ")", "【": "(", "】": ")", "〔": "(", "〕": ")", "～": "~", "〜": "~",
    "…": ".", "⋯": ".", "—": "-", "–": "-", "·": "-",
    "「": "“", "『": "“", "‘": "“", "〝": "“", "﹁": "“", "﹃": "“",
    "」": "”", "』": "”", "’": "”", "〞": "”", "﹂": "”", "﹄": "”",
}
_FULLWIDTH = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
# ASCII-only lower-casing: str.lower() can turn one character into two, which would break the map.
_LOWER = {chr(code): chr(code + 32) for code in range(ord("A"), ord("Z") + 1)}
_TABLE = str.maketrans(
    {**_FULLWIDTH, **_PUNCT, **_LOWER, **{chr(0xFF21 + i): chr(ord("a") + i) for i in range(26)}, "\u3000": " "}
)
_FOLDED = {chr(code): value for code, value in _TABLE.items()}
_FOLDABLE = re.compile("[" + re.escape("".join(sorted(_FOLDED))) + "]")
# No character is folded into one that is folded again, so replacing each foldable character present is the
# same as str.translate — and quicker on Chinese text, which has few of them.
if any(value in _FOLDED for value in _FOLDED.values()):
    raise RuntimeError("normalize: a folded character would be folded again; use str.translate")


def _fold_characters(text: str) -> str:
    """text.translate(_TABLE)."""
    found = _FOLDABLE.findall(text)
    for ch in set(found):
        text = text.replace(ch, _FOLDED[ch])
    return text


_REMOVED = re.compile(r"[ \t\r\f\v\u00a0\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\u2060\ufeff]+")

SENTENCE_END = frozenset(".!?;~\n")
CLAUSE_BREAK = SENTENCE_END | frozenset(",:()“”\"-")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _to_simplified(text: str) -> str:
    """Traditional → Simplified; per character if a phrase conversion ever changes the length."""
    if _SURROGATE.search(text):  # lone surrogates (from JSON escapes) are not valid UTF-8 for OpenCC
        converted = _to_simplified(_SURROGATE.sub("\ufffd", text))
        return "".join(o if _SURROGATE.match(o) else c for o, c in zip(text, converted, strict=True))
    simplified: str = _t2s().convert(text)
    if len(simplified) == len(text):
        return simplified
    converter = _t2s()
    return "".join(ch if len(c := converter.convert(ch)) != 1 else c for ch in text)


@dataclass(frozen=True, slots=True)
class Normalized:
    original: str
    text: str  # the canonical form that rules are matched against
    offsets: tuple[int, ...]  # offsets[i] = index in `original` of text[i]
    soft_breaks: frozenset[int]  # i where removed spaces separated text[i-1] and text[i]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of `text` to the half-open span of `original` it came from."""
        if start >= end:
            position = self.offsets[start] if start < len(self.offsets) else len(self.original)
            return position, position
        return self.offsets[start], self.offsets[end - 1] + 1

    def original_text(self, start: int, end: int) -> str:
        a, b = self.original_span(start, end)
        return self.original[a:b]


def fold(text: str) -> str:
    """The canonical form of a short string (a rule phrase, an accepted answer) without offsets."""
    return normalize(text).text


def normalize(original: str) -> Normalized:
    folded = _to_simplified(_fold_characters(original))
    # Pair up ASCII double quotes: odd ones open, even ones close.
    if '"' in folded:
        chars = list(folded)
        opening = True
        for i, ch in enumerate(chars):
            if ch == '"':
                chars[i] = "“" if opening else "”"
                opening = not opening
        folded = "".join(chars)
    if not _REMOVED.search(folded):
        return Normalized(original, folded, tuple(range(len(folded))), frozenset())
    kept: list[str] = []
    offsets: list[int] = []
    soft: set[int] = set()
    position = 0
    for match in _REMOVED.finditer(folded):
        start, end = match.span()
        kept.append(folded[position:start])
        offsets.extend(range(position, start))
        if start > 0 and end < len(folded):
            soft.add(len(offsets))
        position = end
    kept.append(folded[position:])
    offsets.extend(range(position, len(folded)))
    return Normalized(original, "".join(kept), tuple(offsets), frozenset(soft))
