"""Rules of trainer.scoring.matcher that mutation testing found unguarded (see tests/MUTANTS.md).

`_drop_overlaps` is the reference that benchmarks/scoring.py measures the matcher's inlined pass against.
"""

import re
from dataclasses import replace

import pytest

from trainer.scoring import matcher as matcher_module
from trainer.scoring.matcher import (
    COUNTED,
    Hit,
    Layout,
    Matcher,
    _decimal_point,
    _drop_overlaps,
    _quote_spans,
    applicable,
    matcher_for,
)
from trainer.scoring.normalize import normalize
from trainer.scoring.rules import compile_pattern
from trainer.scoring.scorer import score


class Rule:
    """Any object stands for a rule: hits are grouped by the rule's identity."""


def test_rule_of_overlapping_counted_hits_of_one_rule_the_first_is_kept():
    a, b, c = Rule(), Rule(), Rule()
    hits = [
        Hit("banned", a, 0, 4),  # 没有办法
        Hit("banned", a, 2, 4),  # 办法, inside the first: dropped
        Hit("banned", b, 2, 4),  # another rule may overlap
        Hit("banned", a, 4, 6),  # touching is not overlapping
        Hit("banned", a, 5, 7),  # overlaps the one before
        Hit("banned", a, 0, 4, "allowed", "您没有办法"),  # not counted: always kept
        Hit("banned", a, 9, 11),
        Hit("group", c, 4, 6),
        Hit("group", c, 2, 4),  # ends where the other starts: kept
    ]
    assert _drop_overlaps(hits) == [hits[0], hits[2], hits[3], hits[5], hits[6], hits[7], hits[8]]
    assert hits[0].status == COUNTED


@pytest.mark.parametrize(
    ("text", "sentences", "spans"),
    [
        ("他说“我们不管”，然后“没办法”。", [(0, 16)], [(3, 7), (12, 15)]),  # every pair
        ("“a”“b”", [(0, 6)], [(1, 2), (4, 5)]),  # a quote at the very start, one right after another
        ("“a”“b”“c”", [(0, 9)], [(1, 2), (4, 5), (7, 8)]),  # each pair in turn, not the first and the last
        ("“”好", [(0, 3)], [(1, 1)]),  # an empty pair
        ("”“a”", [(0, 4)], [(2, 3)]),  # a stray closing mark before the opening one is not its end
        ("“我们不管.好的", [(0, 5), (5, 8)], [(1, 5)]),  # unclosed: to the end of its sentence
        ("好的.“我们不管.好的", [(0, 3), (3, 9), (9, 11)], [(4, 9)]),
        ("好“", [(0, 2)], [(2, 2)]),
    ],
)
def test_rule_quoted_spans_are_inside_each_pair_and_an_unclosed_quote_ends_with_its_sentence(text, sentences, spans):
    assert _quote_spans(text, sentences) == spans


TEXTS = [
    "您好，请问有什么可以帮您？",
    "喂，这事我们不管，没办法。",
    "非常抱歉给您添麻烦了，请您放心，我们马上处理，谢谢您。",
    "有本事你去告！",
    "麻烦您稍等一下，我帮您查一下，您说“我们不管”是谁说的？",
]


@pytest.mark.parametrize("text", TEXTS)
def test_rule_a_freshly_built_matcher_scores_as_the_cached_one(rules, text):
    fresh = Matcher(rules)
    for script in ("any", "complaint", "phone_opening"):
        assert score(text, script, rules, matcher=fresh) == score(text, script, rules)
    assert fresh.rules is rules


def test_rule_a_report_is_sent_with_these_keys(rules):
    report = score("您说“我们不管”是谁说的？", "complaint", rules).to_dict(5)
    assert (report["id"], report["critical"], report["missing"]) == (5, False, ["apology", "reassurance", "thanks"])
    assert report["missing_detail"][0] == {"group": "apology", "reason": "absent", "where": "anywhere"}
    assert [(q["phrase"], q["start"], q["end"]) for q in report["quoted"]] == [("我们不管", 3, 7)]
    assert score("有本事你去告！", "complaint", rules).to_dict()["critical"] is True


# --- Layout: sentences, edges, cached searches -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("好.好", [(0, 1), (2, 3)]),  # a sentence starts right after the mark that ends the one before
        ("好..好", [(0, 1), (3, 4)]),  # nothing but a mark between two marks is no sentence
        ("!好", [(1, 2)]),
        (".!", []),
        ("3.5元.好", [(0, 4), (5, 6)]),  # a point between digits is a decimal point
    ],
)
def test_rule_sentences_are_the_runs_with_content_between_sentence_marks(text, sentences):
    assert Layout(normalize(text)).sentences == sentences


def test_rule_each_position_maps_to_its_sentence_or_to_an_empty_span_where_there_is_none():
    layout = Layout(normalize("好.好"))
    assert [layout.sentence_span(i) for i in range(4)] == [(0, 1), (0, 1), (2, 3), (2, 3)]  # a mark ends its own
    layout = Layout(normalize("好..好"))
    assert [layout.sentence_span(i) for i in range(5)] == [(0, 1), (0, 1), (2, 2), (3, 4), (3, 4)]
    layout = Layout(normalize("!好"))
    assert (layout.sentence_index(0), layout.sentence_span(0)) == (0, (0, 0))  # before the first: index 0
    assert (layout.sentence_index(1), layout.sentence_index(2)) == (0, 0)
    assert Layout(normalize("。！")).sentence_span(1) == (0, 2)  # no sentence at all: the whole text
    assert Layout(normalize("")).sentence_span(0) == (0, 0)


def test_rule_a_word_cannot_run_across_the_text_edges_punctuation_or_a_removed_space():
    layout = Layout(normalize("好的"))
    assert [layout.edge(i) for i in range(3)] == [True, False, True]
    layout = Layout(normalize("您好 请问,好"))
    assert [layout.edge(i) for i in range(7)] == [True, False, True, False, True, True, True]


class CountingRegex:
    """A regex that counts its searches."""

    def __init__(self, pattern):
        self.regex, self.searches = re.compile(pattern), 0

    def finditer(self, *args):
        self.searches += 1
        return self.regex.finditer(*args)


def test_rule_a_regex_is_searched_once_per_span_of_a_reply_and_only_within_the_span():
    layout, regex = Layout(normalize("好好,好")), CountingRegex("好")
    assert layout.matches(regex, 0, 1) == [(0, 1)]
    assert layout.matches(regex, 0, 1) == [(0, 1)]
    assert regex.searches == 1
    assert layout.matches(regex, 1, 4) == [(1, 2), (3, 4)]
    assert regex.searches == 2


@pytest.mark.parametrize(
    ("text", "i", "decimal"),
    [
        ("3.5", 1, True),
        ("好3.5", 2, True),
        ("3.", 1, False),  # a point at the end of the text ends a sentence
        (".53", 0, False),  # and one at its start
        ("a.5", 1, False),  # a digit is needed on both sides
        ("3.a", 1, False),
        ("3,5", 1, False),
    ],
)
def test_rule_a_point_is_a_decimal_point_only_between_two_digits(text, i, decimal):
    assert _decimal_point(text, i) is decimal


# --- the matcher -----------------------------------------------------------------------------------------


def found(matcher, text):
    """(kind, rule, start, end, status, detail) of every hit (the matcher making its own layout)."""
    return [(h.kind, getattr(h.rule, "id", None) or h.rule.phrase, h.start, h.end, h.status, h.detail)
            for h in matcher.find(normalize(text))]


def test_rule_a_matcher_finds_the_same_hits_with_or_without_a_layout_given(rules):
    matcher, norm = Matcher(rules), normalize("喂，你是谁？喂。")
    assert matcher.find(norm) == matcher.find(norm, Layout(norm))
    assert found(matcher, "喂，你是谁？喂。") == [("banned", "喂", 0, 1, COUNTED, ""),
                                              ("banned", "你是谁", 2, 5, COUNTED, ""),
                                              ("banned", "喂", 6, 7, COUNTED, "")]


def test_rule_a_rule_set_without_phrases_finds_nothing_and_an_empty_reply_has_no_hits(rules):
    empty = Matcher(replace(rules, groups={}, banned=(), version="empty"))
    assert empty.find(normalize("喂，您好")) == []
    assert Matcher(rules).find(normalize("")) == []


def test_rule_a_literal_and_a_pattern_anchored_on_it_are_both_found_and_rules_overlap_freely(rules):
    # "您好" is a literal of greeting and the anchor of a self_intro pattern
    assert found(Matcher(rules), "您好,幸福物业客服中心") == [("group", "self_intro", 0, 7, COUNTED, ""),
                                                     ("group", "greeting", 0, 2, COUNTED, ""),
                                                     ("group", "self_intro", 7, 11, COUNTED, "")]


def test_rule_of_overlapping_counted_hits_of_one_rule_the_matcher_keeps_the_longest_and_touching_ones(rules):
    matcher = Matcher(rules)
    assert found(matcher, "我要下班了。") == [("banned", "要下班了", 0, 5, COUNTED, "")]  # not 要下班了 again
    assert found(matcher, "快点快点。") == [("banned", "快点", 0, 2, COUNTED, ""),
                                        ("banned", "快点", 2, 4, COUNTED, "")]
    # a hit that does not count keeps no other from counting
    assert found(matcher, "您等一会儿。") == [("banned", "等一会", 1, 5, COUNTED, ""),
                                          ("banned", "等一会", 1, 4, "word_boundary", "一会儿")]


def test_rule_a_pattern_counts_wherever_its_regex_matches_in_the_sentence(rules):
    pattern, error = compile_pattern("不{,1}行", rules.scoring.gap)
    assert error is None
    rule = replace(rules.banned[0], phrase="不行", literals=(), patterns=(pattern,), boundary=False)
    matcher = Matcher(replace(rules, groups={}, banned=(rule,), version="anchor"))
    assert found(matcher, "好行,不好") == [("banned", "不行", 1, 2, COUNTED, "")]


def test_rule_a_polite_phrase_inside_quotation_marks_does_not_count(rules):
    matcher = Matcher(rules)
    assert found(matcher, "您说“谢谢”是吧") == [("group", "thanks", 3, 5, "quoted", "")]
    assert found(matcher, "谢谢，您说“没办法”是吧") == [("group", "thanks", 0, 2, COUNTED, ""),
                                                 ("banned", "没办法", 6, 9, "quoted", "")]


def test_rule_hits_on_one_span_keep_the_rule_files_order_polite_phrases_first(rules):
    thanks = replace(rules.banned[0], phrase="谢谢", literals=("谢谢",))  # a banned phrase that is also polite
    matcher = Matcher(replace(rules, banned=(thanks,), version="tie"))
    assert found(matcher, "好,谢谢") == [("group", "thanks", 2, 4, COUNTED, ""), ("banned", "谢谢", 2, 4, COUNTED, "")]


def test_rule_a_fresh_matcher_applies_the_suppressors_without_quotation_marks_in_the_reply(rules):
    matcher = Matcher(rules)
    assert found(matcher, "我们喂养宠物。") == [("banned", "喂", 2, 3, "word_boundary", "喂养")]
    assert found(matcher, "王经理不在啊。") == [("banned", "不在", 3, 5, COUNTED, "")]  # the particle is not counted
    assert found(matcher, "李副经理不在。") == [("banned", "不在", 4, 6, "clause_too_long", "李副经理不在")]


def test_rule_a_polite_phrase_outside_quotes_counts_without_asking_the_suppressors(rules):
    greeting, layout = rules.groups["greeting"], Layout(normalize("您好"))
    assert Matcher(rules)._judge("group", greeting, 0, 2, layout) == Hit("group", greeting, 0, 2)


def test_rule_the_suppressors_of_a_rule_are_chosen_once_per_matcher(rules, monkeypatch):
    asked = []

    def counting(kind, rule):
        asked.append((kind, id(rule)))
        return applicable(kind, rule)

    monkeypatch.setattr(matcher_module, "applicable", counting)
    matcher = Matcher(rules)
    every_rule = {("group", id(g)) for g in rules.groups.values()} | {("banned", id(b)) for b in rules.banned}
    assert sorted(asked) == sorted(every_rule)  # each rule once, when the matcher is compiled
    asked.clear()
    assert found(matcher, "喂，你是谁？喂。")[2] == ("banned", "喂", 6, 7, COUNTED, "")
    assert found(matcher, "喂，您说“喂”？") == [("banned", "喂", 0, 1, COUNTED, ""),
                                          ("banned", "喂", 5, 6, "quoted", "")]
    assert matcher._judge("banned", rules.banned[0], 0, 1, Layout(normalize("喂"))).kind == "banned"
    assert asked == []  # and never again while scoring


def test_rule_compiled_matchers_are_cached_by_rules_version_up_to_seventeen_then_the_cache_starts_over(
        rules, monkeypatch):
    monkeypatch.setattr(matcher_module, "_MATCHERS", {})
    empty = replace(rules, groups={}, banned=())
    first = matcher_for(replace(empty, version="v0"))
    assert isinstance(first, Matcher)
    assert first.rules.version == "v0"
    assert matcher_for(replace(empty, version="v0")) is first
    for i in range(1, 17):
        matcher_for(replace(empty, version=f"v{i}"))
    assert len(matcher_module._MATCHERS) == 17
    assert matcher_for(replace(empty, version="v0")) is first
    matcher_for(replace(empty, version="v17"))
    assert list(matcher_module._MATCHERS) == ["v17"]


def test_rule_judge_gives_a_candidate_the_verdict_find_gives_it(rules):
    """Matcher._judge (the benchmark's naive matcher judges its candidates with it) applies the rule's chain:
    with quotes and without, and for a rule the matcher was not compiled with (its chain chosen on demand)."""
    feed = next(b for b in rules.banned if b.phrase == "喂")
    inside, quoted = Layout(normalize("我们喂养宠物。")), Layout(normalize("喂，您说“喂”？"))
    for matcher in (Matcher(rules), Matcher(replace(rules, groups={}, banned=()))):
        assert matcher._judge("banned", feed, 2, 3, inside)[4:] == ("word_boundary", "喂养")
        assert matcher._judge("banned", feed, 5, 6, quoted)[4] == "quoted"
        assert matcher._judge("banned", feed, 0, 1, quoted)[4] == COUNTED
