"""Gaming a role-play must not resolve it: replies stuffed with every "right" word, keyword lists, another
scenario's answers, or one good answer pasted again and again. The reply grade (scoring/grade.py) flags them —
off_topic, not_a_sentence, repeated — and every shipped scenario's customer reacts to those flags instead of
moving on. The other side of the same coin is measured here too: good replies written in other words than the
key-point phrase lists (tests/fixtures/scenario_paths-*.yaml, `other_words`) must still pass their stage.

Run with `-s` to see the figures."""

import pytest

from tests.conftest import repository_content
from tests.unit.test_shipped_scenarios import GOOD, OTHER_WORDS, PATHS, SECONDS, SEED, scenario_errors
from trainer.roleplay import engine

#: one generic paragraph with every word a scorer might look for: apology, reassurance, a question for the room,
#: the phone and the order number, escalation and dispatch, a time, thanks and goodbye (about 190 characters)
STUFFED = ("您好，非常抱歉给您带来不便，我们非常理解您的心情，也非常重视您反映的问题，请您放"
           "心，我们马上安排处理。请问您的房号是多少？方便留一下您的联系电话吗？麻烦您提供一"
           "下订单号。我们会认真核实情况，立即上报主管，联系工程部派人到现场查看，2小时内回"
           "复您处理结果，一定跟进到底，给您一个满意的答复。感谢您的耐心和理解，如有其他问题"
           "欢迎随时联系我们，谢谢您，祝您生活愉快，再见！")
KEYWORDS = "抱歉 理解 放心 房号 电话 马上 主管 回复 谢谢"
SCENARIO_IDS = sorted(PATHS)


@pytest.fixture(scope="module")
def content():
    loaded = repository_content()
    assert scenario_errors(loaded) == [], scenario_errors(loaded)[:5]
    return loaded


def _outcome(content, scenario_id: str, replies: list[str]) -> tuple[str | None, list[engine.Turn]]:
    scenario = content.scenarios[scenario_id]
    turns = engine.replay(scenario, [(text, SECONDS) for text in replies], content.rules, SEED)
    return turns[-1].state.outcome, turns


def _every_turn(content, scenario_id: str, text: str) -> list[str]:
    return [text] * content.scenarios[scenario_id].max_turns


def _explain(turns: list[engine.Turn]) -> str:
    return "\n".join(f"  [{t.stage}] grade {t.grade.grade} flags {list(t.grade.flags)} -> {t.customer}" for t in turns)


def test_the_stuffed_paragraph_is_about_190_characters():
    assert 170 <= len(STUFFED) <= 210, len(STUFFED)


@pytest.mark.parametrize("scenario_id", SCENARIO_IDS)
def test_a_stuffed_generic_paragraph_pasted_on_every_turn_does_not_resolve(content, scenario_id):
    outcome, turns = _outcome(content, scenario_id, _every_turn(content, scenario_id, STUFFED))
    assert outcome != "resolved", _explain(turns)
    assert not any(t.grade.passed for t in turns), _explain(turns)


@pytest.mark.parametrize("scenario_id", SCENARIO_IDS)
def test_a_keyword_list_is_not_a_reply(content, scenario_id):
    outcome, turns = _outcome(content, scenario_id, _every_turn(content, scenario_id, KEYWORDS))
    assert outcome != "resolved", _explain(turns)
    assert all("not_a_sentence" in t.grade.flags for t in turns), _explain(turns)
    assert all(t.state.stage == content.scenarios[scenario_id].stages[0].id for t in turns), _explain(turns)


def _other_domain_transcripts(content, scenario_id: str) -> list[tuple[str, str, list[str]]]:
    domain = content.scenarios[scenario_id].domain
    return [(s, n, r) for s, n, r in GOOD if content.scenarios[s].domain != domain]


@pytest.mark.parametrize("scenario_id", SCENARIO_IDS)
def test_another_domains_good_answers_do_not_resolve_this_scenario(content, scenario_id):
    borrowed = _other_domain_transcripts(content, scenario_id)
    assert borrowed
    for source, name, replies in borrowed:
        outcome, turns = _outcome(content, scenario_id, replies)
        assert outcome != "resolved", (source, name, _explain(turns))


@pytest.mark.parametrize("scenario_id", SCENARIO_IDS)
def test_another_scenarios_good_answers_of_the_same_domain_do_not_resolve_this_scenario(content, scenario_id):
    domain = content.scenarios[scenario_id].domain
    borrowed = [(s, n, r) for s, n, r in GOOD if s != scenario_id and content.scenarios[s].domain == domain]
    for source, name, replies in borrowed:
        outcome, turns = _outcome(content, scenario_id, replies)
        assert outcome != "resolved", (source, name, _explain(turns))


@pytest.mark.parametrize("scenario_id", SCENARIO_IDS)
def test_the_first_good_reply_pasted_on_every_turn_is_repetition(content, scenario_id):
    first = PATHS[scenario_id]["resolved"][0]
    outcome, turns = _outcome(content, scenario_id, _every_turn(content, scenario_id, first))
    assert outcome != "resolved", _explain(turns)
    assert all("repeated" in t.grade.flags and not t.grade.passed for t in turns[1:]), _explain(turns)


#: the share of good replies in other words that must pass their stage (grade passed, and the customer moved on)
OTHER_WORDS_FLOOR = 0.9


def test_good_replies_in_other_words_pass_their_stage(content):
    replies = passed = moved_on = 0
    failures = []
    for scenario_id, name, transcript in OTHER_WORDS:
        _, turns = _outcome(content, scenario_id, transcript)
        for turn, text in zip(turns, transcript, strict=False):
            replies += 1
            passed += turn.grade.passed
            advanced = turn.state.stage != turn.stage or turn.state.outcome == "resolved"
            moved_on += advanced
            if not (turn.grade.passed and advanced):
                failures.append(f"{scenario_id}:{name} [{turn.stage}] {turn.grade.grade} "
                                f"{list(turn.grade.flags)} {text}")
    print(f"\ngood replies in other words: {passed}/{replies} passed their grade, {moved_on}/{replies} moved the "
          f"customer on to the next stage ({len(OTHER_WORDS)} transcripts)")
    for line in failures:
        print("  not passed:", line)
    assert replies and passed / replies >= OTHER_WORDS_FLOOR and moved_on / replies >= OTHER_WORDS_FLOOR, failures
