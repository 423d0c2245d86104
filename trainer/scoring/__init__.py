"""The reply scorer (pure: no Flask, no database, nothing from the content package).

The rules come in as a RuleSet built by the caller (the content loader reads the phrase files into one):

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
