"""Every role-play scenario shipped in question_bank/scenarios/ is playable with the real phrase rules: a
sensible, polite trainee reaches a resolved ending, and a rude one drives the customer to escalate or hang up.

The transcripts live beside the tests (tests/fixtures/scenario_paths-*.yaml), so a change to a scenario or
to the phrase rules that strands good trainees, or lets rude ones through, fails here."""

from pathlib import Path

import pytest
import yaml

from tests.conftest import FIXTURES, ROOT
from trainer.content import load_content
from trainer.roleplay import engine

PATHS: dict[str, dict[str, list[str]]] = {}
for path in sorted(Path(FIXTURES).glob("scenario_paths-*.yaml")):
    PATHS.update(yaml.safe_load(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def content():
    loaded = load_content(ROOT)
    assert loaded.errors == (), loaded.errors[:5]
    return loaded


def _play(content, scenario_id: str, replies: list[str]) -> engine.State:
    scenario = content.scenarios[scenario_id]
    state = engine.start(scenario)
    for text in replies:
        assert not state.finished, f"{scenario_id}: the conversation ended before {text!r}"
        state = engine.play(scenario, state, text, 20, content.rules, "test-seed").state
    return state


def test_there_are_at_least_ten_scenarios_and_each_has_transcripts(content):
    assert len(content.scenarios) >= 10
    assert set(content.scenarios) <= set(PATHS), set(content.scenarios) - set(PATHS)


@pytest.mark.parametrize("scenario_id", sorted(PATHS))
def test_polite_trainee_resolves_the_complaint(content, scenario_id):
    assert _play(content, scenario_id, PATHS[scenario_id]["resolved"]).outcome == "resolved"


@pytest.mark.parametrize("scenario_id", sorted(PATHS))
def test_rude_trainee_gets_escalated_or_hung_up_on(content, scenario_id):
    assert _play(content, scenario_id, PATHS[scenario_id]["escalated"]).outcome in ("escalated", "hung_up")


@pytest.mark.parametrize("scenario_id", sorted(PATHS))
def test_stages_follow_the_complaint_process(content, scenario_id):
    scenario = content.scenarios[scenario_id]
    assert 3 <= len(scenario.stages) <= 5
    assert scenario.stages[0].script == "complaint"  # every complaint opens by accepting and calming
