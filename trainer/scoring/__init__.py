"""The reply scorer (pure: no Flask, no database, nothing from trainer.content).

    from trainer.content.phrases import load_rules
    rules, errors = load_rules(Path("question_bank/phrases"))
    report = score("您好，请问有什么可以帮您？", "phone_opening", rules)
    graded = grade_reply("您好，请问有什么可以帮您？", "phone_opening", rules)
"""

from .keypoints import KeyPoint, PointResult, cover
from .normalize import Normalized, fold, normalize
from .rules import RuleSet
from .scorer import ScoreReport, ScoringError, score

__all__ = [
    "KeyPoint", "Normalized", "PointResult", "RuleSet", "ScoreReport", "ScoringError", "cover", "fold", "normalize",
    "score",
]
