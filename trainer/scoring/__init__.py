"""The reply scorer (pure: no Flask, no database).

    rules, errors = load_rules(Path("question_bank/phrases"))
    report = score("您好，请问有什么可以帮您？", "phone_opening", rules)
"""

from .keypoints import KeyPoint, PointResult, cover
from .normalize import Normalized, fold, normalize
from .rules import RuleSet, load_rules, rules_from_texts
from .scorer import ScoreReport, ScoringError, score

__all__ = [
    "KeyPoint", "Normalized", "PointResult", "RuleSet", "ScoreReport", "ScoringError", "cover", "fold", "load_rules",
    "normalize", "rules_from_texts", "score",
]
