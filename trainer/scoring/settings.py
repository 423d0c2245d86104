"""The grading settings read from question_bank/phrases/scoring.yaml, and the shared vocabularies of key points.

Kept apart from the modules that use them so the rule loader (rules.py) can build them without importing
the grading code, and the grading code can take them without importing the loader.
"""

from __future__ import annotations

from dataclasses import dataclass

from .acts import ActMarkers
from .form import FormSettings


@dataclass(frozen=True)
class GradeSettings:
    weights: dict[str, float]  # phrases, key_points, facts, relevance, form
    fact_penalty: float  # points off the facts part per contradicted fact
    key_points_pass: float  # share (0–1) of a reply's key points it must cover to pass
    off_topic_cap: float  # the highest grade of a reply that answers something else
    fragment_cap: float  # … of a keyword list
    repeat_cap: float  # … of a reply said before in the same conversation
    contradiction_cap: float  # … of a reply that states something the facts make false
    relevance_floor: float  # similarity (0–1) at or below which a reply is about something else
    relevance_full: float  # similarity at which relevance earns full credit
    form: FormSettings
    markers: ActMarkers
    stopwords: frozenset[str] = frozenset()
    generic_words: frozenset[str] = frozenset()  # refused as the only evidence of a key point


@dataclass(frozen=True)
class Vocabulary:
    """A named, reusable list of key-point words (`$room`), the domain it belongs to, and its default act."""

    id: str
    name: str
    domain: str  # a scenario domain, or "any"
    phrases: tuple[str, ...]
    act: str | None = None
    needs: str | None = None
