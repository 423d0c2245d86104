"""Pure loading and validation of everything under `courses/` and `question_bank/`.

Nothing here touches Flask or the database: the result is frozen dataclasses plus a list of
`path:line` problems, so the CLI, the sync step and the tests all see the same verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ContentError, ContentInvalid, display_path

if TYPE_CHECKING:
    from ..scoring.rules import RuleSet
    from .competency import CompetencyModel, GradeDef
    from .courses import CourseDef
    from .questions import Category, Question
    from .rubrics import RubricDef
    from .scenarios import Scenario
    from .typing import PassageDef
    from .violations import ViolationCategory

# The loaders are imported when first used, not with the package: `trainer score` needs only the phrase
# rules (content/phrases.py), and importing every loader (Markdown included) would double its start-up.
_LAZY = {
    "CompetencyModel": ".competency", "GradeDef": ".competency", "CourseDef": ".courses", "Category": ".questions",
    "Question": ".questions", "ITEM_KINDS": ".rubrics", "RubricDef": ".rubrics", "Scenario": ".scenarios",
    "PassageDef": ".typing", "ViolationCategory": ".violations",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = globals()[name] = getattr(import_module(module, __name__), name)
    return value


MODEL_FILE = Path("question_bank/competency/model.yaml")
GRADES_FILE = Path("question_bank/competency/grades.yaml")
PHRASES_DIR = Path("question_bank/phrases")
QUESTIONS_DIR = Path("question_bank/questions")
SCENARIOS_DIR = Path("question_bank/scenarios")
COURSES_DIR = Path("courses")
TYPING_FILE = Path("question_bank/typing/passages.yaml")
RUBRICS_DIR = Path("question_bank/rubrics")
VIOLATIONS_FILE = Path("question_bank/competency/violations.yaml")


@dataclass(frozen=True)
class ContentSet:
    root: Path
    model: CompetencyModel | None
    grades: tuple[GradeDef, ...]
    errors: tuple[ContentError, ...]
    rules: RuleSet | None = None
    rule_texts: dict[str, str] = field(default_factory=dict)  # what the database keeps of the rules
    categories: tuple[Category, ...] = ()
    questions: dict[str, Question] = field(default_factory=dict)
    courses: dict[str, CourseDef] = field(default_factory=dict)
    scenario_ids: frozenset[str] = frozenset()
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    passages: tuple[PassageDef, ...] = ()
    rubrics: dict[str, RubricDef] = field(default_factory=dict)
    violations: tuple[ViolationCategory, ...] = ()

    def require_valid(self) -> ContentSet:
        if self.errors:
            raise ContentInvalid(list(self.errors))
        return self


def load_content(root: Path) -> ContentSet:
    """Load and cross-check the whole content tree; problems are collected, never raised."""
    from .competency import load_grades, load_model
    from .courses import load_courses
    from .keypoints import KeyPointWords, checking_against
    from .phrases import read_rule_texts, rules_from_texts
    from .questions import load_bank
    from .rubrics import load_rubrics
    from .scenarios import load_scenarios
    from .typing import load_passages
    from .violations import load_violations

    errors: list[ContentError] = []

    def shown(rel: Path) -> str:
        return display_path(root / rel, root)

    model_path = root / MODEL_FILE
    model = None
    if model_path.is_file():
        model, problems = load_model(model_path, shown(MODEL_FILE))
        errors += problems
    else:
        errors.append(ContentError(shown(MODEL_FILE), 1, "找不到能力模型文件"))

    grades: tuple[GradeDef, ...] = ()
    grades_path = root / GRADES_FILE
    if grades_path.is_file():
        grades, problems = load_grades(grades_path, shown(GRADES_FILE))
        errors += problems
    else:
        errors.append(ContentError(shown(GRADES_FILE), 1, "找不到职级文件"))

    prefix = shown(PHRASES_DIR) + "/"
    rule_texts, problems = read_rule_texts(root / PHRASES_DIR, prefix)
    rules = None
    if not problems:
        indicators = model.indicator_ids if model else None
        rules, problems = rules_from_texts(rule_texts, indicator_ids=indicators, shown_prefix=prefix)
    errors += problems

    indicators = model.indicator_ids if model else None
    rubrics, problems = load_rubrics(root / RUBRICS_DIR, root, indicators=indicators)
    errors += problems
    # A rubric's id is its file name: naming a rubric whose file is broken is that file's error, not "unknown rubric";
    # with no rubrics folder at all, that one error is reported instead of an "unknown rubric" per scenario.
    rubrics_dir = root / RUBRICS_DIR
    rubric_ids = {p.stem for p in rubrics_dir.glob("*.yaml")} if rubrics_dir.is_dir() else None

    violations: tuple[ViolationCategory, ...] = ()
    violations_path = root / VIOLATIONS_FILE
    if violations_path.is_file():
        violations, problems = load_violations(violations_path, shown(VIOLATIONS_FILE))
        errors += problems
    else:
        errors.append(ContentError(shown(VIOLATIONS_FILE), 1, "找不到违规扣分文件"))

    # `$name` vocabularies and the words refused as key-point evidence come from the phrase rules just read.
    with checking_against(KeyPointWords.from_rules(rules)):
        scripts = set(rules.scripts) if rules else None
        categories, questions, question_problems = load_bank(
            root / QUESTIONS_DIR, root, indicators=indicators, scripts=scripts
        )
        errors += question_problems
        groups = set(rules.groups) if rules else None
        scenarios, problems = load_scenarios(root / SCENARIOS_DIR, root, indicators=indicators, scripts=scripts,
                                             groups=groups, rubrics=rubric_ids)
        errors += problems
        # Courses may name any scenario file; a broken scenario is reported on its own, not as "unknown" everywhere.
        scenario_ids = frozenset(p.stem for p in (root / SCENARIOS_DIR).glob("*.yaml"))
        courses, problems = load_courses(
            root / COURSES_DIR, root, indicators=indicators, scripts=scripts,
            # Only cross-check references when the referenced part loaded cleanly: one broken question file
            # should not bury its own error under "unknown question" reports from every course quiz.
            questions=None if question_problems else set(questions),
            scenarios=scenario_ids, rubrics=rubric_ids,
        )
        errors += problems
    passages: tuple[PassageDef, ...] = ()
    if (root / TYPING_FILE).is_file():
        passages, problems = load_passages(root / TYPING_FILE, shown(TYPING_FILE))
        errors += problems

    return ContentSet(
        root=root, model=model, grades=grades, errors=tuple(sorted(errors)), rules=rules, rule_texts=rule_texts,
        categories=categories, questions=questions, courses=courses, scenario_ids=scenario_ids, passages=passages,
        scenarios=scenarios, rubrics=rubrics, violations=violations,
    )


__all__ = [
    "ITEM_KINDS", "Category", "CompetencyModel", "ContentError", "ContentInvalid", "ContentSet", "CourseDef",
    "GradeDef", "Question", "RubricDef", "Scenario", "ViolationCategory", "load_content",
]
