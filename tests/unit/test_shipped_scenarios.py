"""Every role-play scenario shipped in question_bank/scenarios/ is playable with the real phrase rules: a
sensible, polite trainee reaches a resolved ending, and a rude one drives the customer to escalate or hang up.

The transcripts live beside the tests (tests/fixtures/scenario_paths-*.yaml), so a change to a scenario or
to the phrase rules that strands good trainees, or lets rude ones through, fails here. Each scenario has its
original good transcript (`resolved`), a rude one (`escalated`) and, under `other_words`, good transcripts
written the way other trainees answer — one short and plain, one long and warm — in their own words rather
than the key-point phrase lists. They are replayed as a real session plays them (engine.replay: every reply
is graded against the customer's last line and the trainee's earlier replies)."""

from pathlib import Path

import pytest
import yaml

from tests.conftest import FIXTURES, repository_content
from trainer.roleplay import engine

SEED = "test-seed"
SECONDS = 20.0


def load_paths(folder: Path = FIXTURES) -> dict[str, dict]:
    """All transcript files merged per scenario (a later file may add `other_words` to a scenario of an earlier one)."""
    paths: dict[str, dict] = {}
    for path in sorted(Path(folder).glob("scenario_paths-*.yaml")):
        for scenario_id, transcripts in yaml.safe_load(path.read_text(encoding="utf-8")).items():
            merged = paths.setdefault(scenario_id, {})
            for key, value in transcripts.items():
                if isinstance(value, dict):
                    merged.setdefault(key, {}).update(value)
                else:
                    merged[key] = value
    return paths


PATHS = load_paths()


def good_transcripts(paths: dict[str, dict] = PATHS) -> list[tuple[str, str, list[str]]]:
    """(scenario id, transcript name, replies) for every transcript that must resolve."""
    found = []
    for scenario_id in sorted(paths):
        found.append((scenario_id, "original", paths[scenario_id]["resolved"]))
        for name, replies in sorted(paths[scenario_id].get("other_words", {}).items()):
            found.append((scenario_id, name, replies))
    return found


GOOD = good_transcripts()
OTHER_WORDS = [(s, n, r) for s, n, r in GOOD if n != "original"]


def scenario_errors(loaded) -> list:
    """Problems in scenario files (course and question files are checked by their own tests)."""
    return [e for e in loaded.errors if e.path.startswith("question_bank/scenarios/")]


@pytest.fixture(scope="module")
def content():
    loaded = repository_content()
    assert scenario_errors(loaded) == [], scenario_errors(loaded)[:5]
    return loaded


def play_through(content, scenario_id: str, replies: list[str]) -> list[engine.Turn]:
    """Replay a transcript; every reply must be answered (the conversation may not end early)."""
    turns = engine.replay(content.scenarios[scenario_id], [(text, SECONDS) for text in replies], content.rules, SEED)
    assert len(turns) == len(replies), f"{scenario_id}: the conversation ended before {replies[len(turns)]!r}"
    return turns


def _explain(turns: list[engine.Turn]) -> str:
    return "\n".join(f"  [{t.stage}] grade {t.grade.grade} flags {list(t.grade.flags)} -> {t.customer}" for t in turns)


def test_there_are_at_least_ten_scenarios_and_each_has_transcripts(content):
    assert len(content.scenarios) >= 10
    assert set(content.scenarios) <= set(PATHS), set(content.scenarios) - set(PATHS)


def test_every_scenario_has_good_transcripts_in_other_words(content):
    for scenario_id in content.scenarios:
        names = set(PATHS[scenario_id].get("other_words", {}))
        assert {"short_plain", "long_warm"} <= names, (scenario_id, names)


@pytest.mark.parametrize(("scenario_id", "name", "replies"), GOOD, ids=[f"{s}:{n}" for s, n, _ in GOOD])
def test_polite_trainee_resolves_the_complaint(content, scenario_id, name, replies):
    turns = play_through(content, scenario_id, replies)
    assert turns[-1].state.outcome == "resolved", _explain(turns)


@pytest.mark.parametrize("scenario_id", sorted(PATHS))
def test_rude_trainee_gets_escalated_or_hung_up_on(content, scenario_id):
    turns = engine.replay(content.scenarios[scenario_id], [(t, SECONDS) for t in PATHS[scenario_id]["escalated"]],
                          content.rules, SEED)
    assert turns[-1].state.outcome in ("escalated", "hung_up"), _explain(turns)


@pytest.mark.parametrize("scenario_id", sorted(PATHS))
def test_stages_follow_the_complaint_process(content, scenario_id):
    scenario = content.scenarios[scenario_id]
    assert 3 <= len(scenario.stages) <= 5
    assert scenario.stages[0].script == "complaint"  # every complaint opens by accepting and calming


@pytest.mark.parametrize("scenario_id", sorted(PATHS))
def test_customer_reacts_to_repetition_off_topic_and_keyword_lists(content, scenario_id):
    """Every stage has a branch for each judgement a real customer notices; phone stages also for long replies;
    stages with facts for a reply that contradicts them. They come before the branches that move on."""
    scenario = content.scenarios[scenario_id]
    for stage in scenario.stages:
        wanted = {"repeated", "off_topic", "not_a_sentence"}
        if stage.facts:
            wanted.add("contradicts")
        if scenario.channel == "phone":
            wanted.add("too_long")
        position = {}
        for index, branch in enumerate(stage.branches):
            for flag in wanted:
                if branch.when is not None and getattr(branch.when, flag) is True:
                    position.setdefault(flag, index)
        assert wanted <= set(position), (stage.id, wanted - set(position))
        moving_on = [i for i, b in enumerate(stage.branches) if b.then not in ("stay", "escalate", "hang_up")]
        assert max(position.values()) < min(moving_on), (stage.id, position, moving_on)
