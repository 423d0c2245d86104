"""Normalisation: one canonical text for matching, exact offsets back to what was typed."""

from hypothesis import given
from hypothesis import strategies as st

from trainer.scoring.normalize import fold, normalize


def test_traditional_to_simplified():
    assert normalize("房屋質量問題跟我們沒關系").text == "房屋质量问题跟我们没关系"


def test_full_width_and_punctuation_are_unified():
    assert normalize("ＯＫ，不知道。請稍等！").text == "ok,不知道.请稍等!"
    assert normalize("「你好」『再见』‘嗯’").text == "“你好”“再见”“嗯”"


def test_ascii_double_quotes_pair_up():
    assert normalize('他说"不管"然后"走了"').text == "他说“不管”然后“走了”"


def test_spaces_and_zero_width_characters_are_removed_with_soft_breaks():
    norm = normalize("这个 我们\u200b不\u3000管")
    assert norm.text == "这个我们不管"
    assert norm.soft_breaks == {2, 4, 5}


def test_offsets_point_at_the_original_characters():
    original = "您好 ，xx物業客服中心"
    norm = normalize(original)
    start = norm.text.index("物业")
    assert norm.original_text(start, start + 2) == "物業"
    assert norm.original_span(0, len(norm.text)) == (0, len(original))


def test_lower_casing_never_changes_length():
    assert normalize("İSTANBUL").text == "İstanbul"


def test_fold_is_normalize_text():
    assert fold(" 請 稍等 ") == "请稍等"


@given(st.text(max_size=300))
def test_offsets_are_increasing_and_each_maps_back(text):
    norm = normalize(text)
    assert len(norm.offsets) == len(norm.text)
    assert list(norm.offsets) == sorted(set(norm.offsets))
    for i, ch in enumerate(norm.text):
        assert 0 <= norm.offsets[i] < len(text)
        assert fold(text[norm.offsets[i]]) in (ch, "") or ch in "“”"


def test_folding_characters_is_the_translation_table_on_every_character():
    from trainer.scoring.normalize import _TABLE, _fold_characters

    every = "".join(map(chr, range(0x10000))) + "Ａｂ，。ＡＢ　“x”" * 3
    assert _fold_characters(every) == every.translate(_TABLE)
