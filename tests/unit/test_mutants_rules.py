"""Rules of trainer.scoring.rules, scorer and segment that mutation testing found unguarded (see tests/MUTANTS.md)."""

import pytest

from trainer.scoring import segment
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
