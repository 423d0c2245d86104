import pytest

from tests.conftest import ROOT
from trainer.content.phrases import load_rules


@pytest.fixture(scope="session")
def rules():
    """The repository's phrase rules (question_bank/phrases)."""
    loaded, errors = load_rules(ROOT / "question_bank" / "phrases")
    assert errors == []
    return loaded
