"""The pure rooms must import without Flask or SQLAlchemy (DESIGN.md: pure core)."""

import subprocess
import sys

import pytest

PURE = [
    "trainer.scoring",
    "trainer.scoring.batch",
    "trainer.content",
    "trainer.content.gift",
    "trainer.roleplay.engine",
    "trainer.competency.stats",
    "trainer.assessment.grading",
    "trainer.assessment.analysis",
    "trainer.assessment.typing",
    "trainer.content.rubrics",
    "trainer.content.violations",
    "trainer.review.agreement",
    "trainer.review.hits",
    "trainer.content.phrases",
    "trainer.content.keypoints",
    "trainer.scoring.grade",
]


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_web_or_orm(module):
    code = (
        f"import sys, {module}\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_sqlalchemy'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{module} pulled in {out.stdout.strip()}"


def test_scoring_imports_nothing_from_content():
    """content depends on scoring (it builds RuleSets and KeyPoints), never the other way round (DESIGN.md)."""
    code = (
        "import sys, pkgutil, importlib, trainer.scoring\n"
        "for info in pkgutil.iter_modules(trainer.scoring.__path__):\n"
        "    importlib.import_module('trainer.scoring.' + info.name)\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('trainer.content'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"trainer.scoring pulled in {out.stdout.strip()}"
