import pytest

from tests.conftest import FIXTURES, ROOT
from trainer.content.phrases import load_rules
from trainer.content.scenarios import load_scenario


@pytest.fixture(scope="session")
def rules():
    """The repository's phrase rules (question_bank/phrases)."""
    loaded, errors = load_rules(ROOT / "question_bank" / "phrases")
    assert errors == []
    return loaded


@pytest.fixture(scope="session")
def scenario():
    """The fixture scenario fixture-leak (tests/fixtures/scenarios), loaded once, for the engine's tests."""
    loaded, errors = load_scenario(FIXTURES / "scenarios" / "fixture-leak.yaml", "fixture-leak.yaml",
                                   indicators=None, scripts=None, groups=None)
    assert errors == []
    return loaded
