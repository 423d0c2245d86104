"""Rules of trainer.scoring.rules, scorer and segment that mutation testing found unguarded (see tests/MUTANTS.md)."""

import signal

import pytest

from trainer.scoring import segment
from trainer.scoring.rules import _anchors, _split_top_level, compile_pattern, rules_version
from trainer.scoring.scorer import ScoringError, score


def test_rule_an_unknown_vocabulary_is_none_not_an_error(rules):
    assert rules.vocabulary("no-such-vocabulary") is None
    known = rules.vocabularies[0]
    assert rules.vocabulary(known.id) is known


def test_rule_a_scoring_error_keeps_its_code_and_message(rules):
    with pytest.raises(ScoringError) as raised:
        score("您好", "nope", rules)
    assert raised.value.code == "unknown_script"
    assert str(raised.value) == "unknown script type 'nope'"


def test_rule_the_module_tokenize_is_the_dictionarys():
    text = "您好，请问您家是几栋几号？"
    assert segment.tokenize(text) == segment.dictionary().tokenize(text)
    assert "".join(word for word, _, _ in segment.tokenize(text)) == text


def test_rule_a_required_phrase_is_reported_with_its_group_words_and_span(rules):
    report = score("您好，请问有什么可以帮您？", "phone_opening", rules).to_dict()
    assert report["required"][0] == {"group": "greeting", "matched": "您好", "start": 0, "end": 2}


def test_rule_no_script_means_the_any_script(rules):
    assert rules.script(None) is rules.scripts["any"] is rules.script("")


def test_rule_the_module_cut_is_the_dictionarys():
    assert segment.cut("您好，请问您家是几栋几号？") == segment.dictionary().cut("您好，请问您家是几栋几号？")


def _anchors_in_time(alternative):
    """`_anchors`, failing instead of hanging when a scan never reaches the end of the pattern."""
    def too_slow(signum, frame):
        raise TimeoutError(f"_anchors({alternative!r}) did not finish")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.setitimer(signal.ITIMER_REAL, 1.0)
    try:
        return _anchors(alternative)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_rule_within_n_is_a_gap_of_at_most_n_characters():
    pattern, error = compile_pattern("请问{within:2}稍等", 8)
    assert error is None
    assert pattern.regex.search("请问您稍等").group() == "请问您稍等"
    assert pattern.regex.search("请问您您您稍等") is None


def test_rule_three_dots_are_the_same_gap_as_an_ellipsis():
    dots, _ = compile_pattern("请...稍等", 8)
    ellipsis, _ = compile_pattern("请…稍等", 8)
    assert dots.regex.pattern == ellipsis.regex.pattern
    assert dots.regex.search("请稍等").group() == "请稍等"
    assert dots.regex.search("请您稍等").group() == "请您稍等"


def test_rule_a_compiled_pattern_keeps_its_stripped_simplified_source():
    pattern, error = compile_pattern(" 請問 ", 8)
    assert error is None
    assert pattern.source == "请问"
    assert pattern.anchors == ("请问",)


def test_rule_a_pattern_splits_only_at_bars_outside_groups_classes_and_escapes():
    assert _split_top_level(r"((马上)|立即)|\(|[a|b]|好") == ["((马上)|立即)", r"\(", "[a|b]", "好"]
    assert _split_top_level(r"\d|好") == [r"\d", "好"]
    assert _split_top_level(r"[ab]|好") == ["[ab]", "好"]


def test_rule_an_optional_character_is_not_part_of_the_anchor():
    assert _anchors_in_time("请问您好{0,1}") == ("请问您",)
    assert _anchors_in_time("请问您好?") == ("请问您",)


def test_rule_a_repeated_character_ends_the_anchor_run():
    assert _anchors_in_time("好+请问") == ("请问",)


def test_rule_text_inside_nested_groups_is_not_an_anchor():
    assert _anchors_in_time("(您(好|们))请问") == ("请问",)


def test_rule_an_escape_is_skipped_whole_and_the_text_after_it_still_anchors():
    assert _anchors_in_time(r"好\d请问") == ("请问",)
    assert _anchors_in_time(r"好\d请问{") == ("请问",)
    assert _anchors_in_time(r"好\\X请问") == ("请问",)


def test_rule_classes_and_braces_are_skipped_whole_up_to_their_own_close():
    assert _anchors_in_time("好[ab]请问[cd]") == ("请问",)
    assert _anchors_in_time("[]ab]请问") == ("请问",)  # a "]" first in a class is a member, not the close
    assert _anchors_in_time("[]]请问") == ("请问",)
    assert _anchors_in_time("好{}请问") == ("请问",)


def test_rule_an_unclosed_brace_ends_the_scan_with_the_text_before_it():
    assert _anchors_in_time("请问{han") == ("请问",)
    pattern, error = compile_pattern("请问{han", 8)
    assert error is None
    assert pattern.anchors == ("请问",)


def test_rule_without_a_literal_run_the_group_with_the_longest_shortest_option_anchors():
    assert _anchors_in_time("(请|麻烦)(您好|你好)") == ("您好", "你好")


def test_rule_the_rules_version_is_a_16_digit_content_hash():
    assert rules_version({"a.yaml": "x: 1", "b.yaml": "短语"}) == "5166523a42dda8a0"
    assert rules_version({}) == "e3b0c44298fc1c14"


@pytest.mark.parametrize("source", ["好\\…请问", "好\\...请问", "好\\{within:8}请问"])
def test_rule_a_gap_marker_cannot_be_escaped(source):
    """A backslash before …, ... or {within:N} would escape the gap's character class and leave an anchor made of
    the placeholder's letters; the pattern is refused with a message instead."""
    pattern, error = compile_pattern(source, 8)
    assert pattern is None and error is not None and "反斜杠" in error


def test_rule_a_gap_stands_between_its_two_anchors_in_every_spelling():
    for source in ("好…请问", "好...请问", "好{within:8}请问"):
        pattern, error = compile_pattern(source, 8)
        assert error is None and pattern is not None and pattern.anchors == ("请问",), source
        assert pattern.regex.search("好的我们马上请问") and not pattern.regex.search("好" + "的" * 9 + "请问"), source
