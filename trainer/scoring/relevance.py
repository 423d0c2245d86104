"""Does the reply answer this customer, in this situation?

Two checks, both on jieba's word tokens of the normalised text (segment.py: jieba's dictionary and algorithm):

- **lexical relevance** — how much of what the reply says belongs to its situation: the stage's goal,
  the customer's last line, the key points' words and the model answers; words are compared with
  rapidfuzz so near forms count. It is a soft part of the grade: answering well in other words costs
  little, answering something else costs a lot.
- **domain** — asking for data that does not exist where the customer is (an order number from a
  property owner, a room number from an online shopper) is 答非所问 whatever else the reply says. The
  vocabularies say which domain their words belong to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from .acts import ActMarkers, asks_about
from .context import compile_context
from .normalize import fold, normalize
from .segment import cut
from .settings import Vocabulary


@lru_cache(maxsize=8192)
def _tokens(text: str, stopwords: frozenset[str]) -> tuple[str, ...]:
    words = cut(fold(text))  # jieba.lcut(…, HMM=False)
    return tuple(w for w in words if (len(w) > 1 or w.isdigit()) and w not in stopwords and w.strip(",.!?;:~-"))


def similarity(reply: str, references: Sequence[str], stopwords: frozenset[str]) -> float:
    """0–1: the share of the reply's words that belong to the situation (1 when there is nothing to compare).

    A word belongs when one of the references' words is close to it (rapidfuzz ratio ≥ 66, so 上门 meets
    上门查看 and 维修 meets 维修师傅): a reply that talks about the customer's problem scores high
    whatever its wording, a generic paragraph pasted into any conversation scores low.
    """
    mine = _tokens(reply, stopwords)
    refs = [r for r in references if r and r.strip()]
    if not refs:
        return 1.0
    if not mine:
        return 0.0
    vocabulary = sorted({t for ref in refs for t in _tokens(ref, stopwords)})
    if not vocabulary:
        return 1.0
    matched = sum(1 for token in mine if process.extractOne(token, vocabulary, scorer=fuzz.ratio,
                                                            score_cutoff=66) is not None)
    return matched / len(mine)


@dataclass(frozen=True)
class OffDomain:
    vocabulary: Vocabulary
    said: str


def asks_off_domain(text: str, domain: str | None, vocabularies: Iterable[Vocabulary],
                    markers: ActMarkers) -> OffDomain | None:
    """A question in `text` for data of another domain than `domain` (None: the domain is not known)."""
    if not domain:
        return None
    norm = normalize(text)
    for vocabulary in vocabularies:
        if vocabulary.domain in ("any", domain):
            continue
        for phrase in vocabulary.phrases:
            for match in compile_context(phrase, 6).regex.finditer(norm.text):
                if match.end() > match.start() and asks_about(norm.text, match.start(), match.end(), markers):
                    start, end = norm.original_span(match.start(), match.end())
                    return OffDomain(vocabulary, text[start:end])
    return None
