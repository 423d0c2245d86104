"""Rules of trainer.scoring.segment that mutation testing found unguarded (see tests/MUTANTS.md).

The full-dictionary tests in test_segment.py take 15-25 s under mutmut; these build a dictionary of five
lines, so the build and cache format are checked in milliseconds.
"""

import hashlib
import logging
import os
import re
import stat
import sys
import tempfile
from itertools import combinations, permutations
from pathlib import Path

import jieba
import pytest

from trainer.scoring import segment

DICT_TXT = "喂养 100 v\n宠物 50 n\n喂 20 v\n我们 300 r\n我们 400 r\n电话号码 7 n\n"

#: words that overlap, prefixes that reach the end of a text, a word with a letter in it, a rare and a frequent
#: reading of the same three characters: what word_across's shortcut has to get right
ACROSS_TXT = ("甲乙丙丁 5 n\n乙丙 3 n\n甲乙 1 n\n甲 100 n\n我们 300 r\n电话号码 7 n\n"
              "喂养 100 v\n喂 20 v\n喂食 2 v\nT恤 10 n\n")
ACROSS_TEXTS = ["甲乙丙", "电话号码们", "喂电话号码", "喂电话号码我", "电话我们", "电话号码", "喂\r\n养", "，，ab",
                "喂，我们", "，喂养", "我们", "猫狗", "ab12喂养T恤", "a喂\n\r猫X", "我们甲乙丙丁电话号码"]

jieba.setLogLevel(60)


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "dict.txt"
    path.write_text(DICT_TXT, encoding="utf-8")
    return path


def test_rule_the_dictionary_is_read_as_jieba_reads_dict_txt(tiny):
    built = segment.Dictionary.build(tiny)
    assert built.total == 100 + 50 + 20 + 300 + 400 + 7  # every line counts, a repeated word too
    assert built.longest == 4
    assert built.shard("喂") == {"喂": 20, "喂养": 100}
    assert built.shard("我") == {"我": 0, "我们": 400}  # a prefix is 0; the last frequency of a word wins
    assert built.shard("电") == {"电": 0, "电话": 0, "电话号": 0, "电话号码": 7}
    assert built.shard("宠") == {"宠": 0, "宠物": 50}
    assert built.shard("猫") == {}
    # for each character, the characters that follow it inside some word
    assert built._pairs == {"喂": "养", "宠": "物", "我": "们", "电": "话", "话": "号", "号": "码"}


@pytest.mark.parametrize("text", ["我们喂养宠物", "喂，我们的电话号码", "喂喂养宠物宠物电话"])
def test_rule_a_built_dictionary_cuts_as_jieba_does_with_the_same_dict_txt(tiny, text):
    built = segment.Dictionary.build(tiny)
    own = jieba.Tokenizer(str(tiny))
    assert built.cut(text) == own.lcut(text, HMM=False)
    assert built.tokenize(text) == list(own.tokenize(text, HMM=False))


def test_rule_the_cache_format_round_trips_and_refuses_another_key(tiny):
    built = segment.Dictionary.build(tiny)
    data = built.dumps("key-1")
    again = segment.Dictionary.loads(data, "key-1")
    assert (again.total, again.longest, again._pairs) == (built.total, built.longest, built._pairs)
    assert again.shard("电") == built.shard("电")
    assert again.cut("我们喂养宠物") == ["我们", "喂养", "宠物"]
    assert segment.Dictionary.loads(data, "key-2") is None


def test_rule_the_cache_is_written_once_and_read_back(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("TRAINER_CACHE_DIR", str(tmp_path / "cache"))
    built = segment._load_cached(tiny)
    (cached,) = (tmp_path / "cache").glob("jieba-dict-*.marshal")
    again = segment._load_cached(tiny)
    assert again.shard("喂") == built.shard("喂") == {"喂": 20, "喂养": 100}
    cached.write_bytes(b"damaged")
    assert segment._load_cached(tiny).shard("我") == {"我": 0, "我们": 400}


def test_rule_tokens_carry_their_offsets_in_the_text(tiny):
    built = segment.Dictionary.build(tiny)
    assert built.tokenize("我们喂养宠物") == [("我们", 0, 2), ("喂养", 2, 4), ("宠物", 4, 6)]


def test_rule_the_cache_lives_where_the_environment_says(monkeypatch, tmp_path):
    monkeypatch.setenv("TRAINER_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert segment.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("TRAINER_CACHE_DIR")
    assert segment.cache_dir() == tmp_path / "xdg" / "trainer"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert segment.cache_dir() == tmp_path / "home" / ".cache" / "trainer"


def test_rule_the_dictionary_is_jiebas_own_dict_txt():
    path = segment._dictionary_file()
    assert path == Path(jieba.__file__).parent / "dict.txt"
    assert path.is_file()


def test_rule_the_cache_key_follows_the_dictionary_file(tiny):
    key = segment._cache_key(tiny)
    assert len(key) == 16 and key == segment._cache_key(tiny)
    tiny.write_text(DICT_TXT + "新词 3 n\n", encoding="utf-8")
    assert segment._cache_key(tiny) != key


@pytest.fixture
def across(tmp_path: Path) -> Path:
    path = tmp_path / "across.txt"
    path.write_text(ACROSS_TXT, encoding="utf-8")
    return path


def _first_token_across(tokens: list[tuple[str, int, int]], positions: tuple[int, ...]) -> str | None:
    return next((w for w, a, b in tokens if any(a < p < b for p in positions)), None)


def test_rule_the_more_probable_route_wins_as_in_jieba(across):
    """Frequencies decide between routes of as many words (甲 100 + 乙丙 3 beats 甲乙 1 + 丙), as in jieba."""
    own = jieba.Tokenizer(str(across))
    for text in ACROSS_TEXTS:
        assert segment.Dictionary.build(across).tokenize(text) == list(own.tokenize(text, HMM=False)), text
    assert segment.Dictionary.build(across).cut("甲乙丙") == ["甲", "乙丙"]


def test_rule_word_across_finds_the_tokens_its_shortcut_must_not_miss(across):
    """A word reached through prefixes, overlapping words, "\r\n" and tokens after other blocks are found."""
    built = segment.Dictionary.build(across)
    assert built.word_across("喂电话号码", (2,)) == "电话号码"
    assert built.word_across("电话号码", (1,)) == "电话号码"  # 电话, 电话号 are only prefixes on the way
    assert built.word_across("电话号码", (3,)) == "电话号码"  # a word as long as the longest, from its start
    assert built.word_across("电话号码们", (2,)) == "电话号码"
    assert built.word_across("喂电话号码我", (3,)) == "电话号码"
    assert built.word_across("甲乙丙", (2,)) == "乙丙"  # 甲乙丙 runs out as a prefix; 乙丙 is a word
    assert built.word_across("电话我们", (1, 3)) == "我们"
    assert built.word_across("喂\r\n养", (2,)) == "\r\n"
    assert built.word_across("，，ab", (1, 3)) == "ab"  # "，" "，" are two tokens: nothing runs across 1
    assert built.word_across("喂，我们", (3,)) == "我们"
    assert built.word_across("，喂养", (2,)) == "喂养"
    assert built.word_across("猫狗", (1,)) is None
    assert built.word_across("我们", (2,)) is None  # the end of the text is no position inside it
    assert segment.Dictionary.build(across).word_across("我们", (1,)) == "我们"


def test_rule_word_across_is_the_first_token_of_tokenize_across_a_position(across):
    """word_across(text, positions) is the first token that one of the positions falls strictly inside."""
    for text in ACROSS_TEXTS:
        built = segment.Dictionary.build(across)
        tokens = segment.Dictionary.build(across).tokenize(text)
        spots = range(-1, len(text) + 2)
        for positions in [(p,) for p in spots] + list(combinations(spots, 2)):
            assert built.word_across(text, positions) == _first_token_across(tokens, positions), (text, positions)


def test_rule_may_join_is_false_only_where_no_token_can_run_across(across):
    """may_join: the two characters either side are side by side in a word, both letters or digits, or "\r\n"."""
    built = segment.Dictionary.build(across)
    assert built._pairs["喂"] == "养食"  # every character that follows 喂 in some word, one string
    assert [built.may_join("ab", p) for p in (-1, 0, 1, 2, 3)] == [False, False, True, False, False]
    assert built.may_join("我们", 1) is True
    assert built.may_join("们我", 1) is False
    assert built.may_join("\r\n", 1) is True
    assert built.may_join("a喂", 1) is False  # one letter alone does not glue
    assert built.may_join("喂\n", 1) is False
    assert built.may_join("\r猫", 1) is False
    assert built.may_join("猫X", 1) is False  # 猫 starts no word
    assert built.may_join("喂X", 1) is False


def test_rule_a_word_is_what_one_dict_txt_line_holds_before_its_first_space(tmp_path):
    """As jieba, a line splits at single spaces only: a tab or an ideographic space belongs to the word."""
    path = tmp_path / "dict.txt"
    path.write_text("甲\t乙 5 n\n丙\u3000丁 4\n", encoding="utf-8")
    built = segment.Dictionary.build(path)
    assert built.shard("甲") == {"甲": 0, "甲\t": 0, "甲\t乙": 5}
    assert built.shard("丙") == {"丙": 0, "丙\u3000": 0, "丙\u3000丁": 4}
    path.write_text("甲乙  5 n\n", encoding="utf-8")  # two spaces: jieba refuses the line too
    with pytest.raises(ValueError):
        segment.Dictionary.build(path)


def test_rule_a_missing_jieba_is_reported_plainly(monkeypatch):
    """Without jieba (or with a jieba that is no package) the error says what is missing."""
    message = "^jieba is not installed: its dictionary is needed for word boundaries$"
    monkeypatch.setattr(segment, "find_spec", lambda name: None)
    with pytest.raises(RuntimeError, match=message):
        segment._dictionary_file()
    monkeypatch.setattr(segment, "find_spec", lambda name: type("Spec", (), {"submodule_search_locations": None}))
    with pytest.raises(RuntimeError, match=message):
        segment._dictionary_file()


def _same_stat(path: Path, mtime_ns: int = 1_700_000_000_000_000_000) -> None:
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_rule_the_cache_key_changes_with_each_fact_it_stands_for(tiny, tmp_path, monkeypatch):
    """The key changes with the format, the file's place, size and time, and the Python version."""
    _same_stat(tiny)
    key = segment._cache_key(tiny)
    twin = tmp_path / "twin" / "dict.txt"
    twin.parent.mkdir()
    twin.write_bytes(tiny.read_bytes())
    _same_stat(twin)
    assert segment._cache_key(twin) != key  # same size and time, another place
    tiny.write_text(DICT_TXT.replace("100", "1000"), encoding="utf-8")
    _same_stat(tiny)
    assert segment._cache_key(tiny) != key  # same place and time, another size
    tiny.write_text(DICT_TXT, encoding="utf-8")
    _same_stat(tiny)
    assert segment._cache_key(tiny) == key
    _same_stat(tiny, 1_700_000_000_000_000_001)
    assert segment._cache_key(tiny) != key  # another time
    _same_stat(tiny)
    monkeypatch.setattr(segment, "_FORMAT", segment._FORMAT + 1)
    assert segment._cache_key(tiny) != key  # another cache format
    monkeypatch.undo()
    monkeypatch.setattr(sys, "version", "3.99.0 (main, Jan 1 2030, 00:00:00) [GCC 99]")
    other = segment._cache_key(tiny)
    monkeypatch.setattr(sys, "version", "3.98.0 (main, Jan 1 2030, 00:00:00) [GCC 99]")
    assert segment._cache_key(tiny) != other  # another Python version, the same build


def test_rule_the_cache_key_is_a_stable_hash_so_caches_outlive_a_release(tiny):
    """The key (and so the cache file's name) is sha256 of format, path, size, time and Python version."""
    stat_ = tiny.stat()
    parts = [str(segment._FORMAT), str(tiny.resolve()), str(stat_.st_size), str(stat_.st_mtime_ns),
             sys.version.split()[0]]
    assert segment._cache_key(tiny) == hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def test_rule_a_valid_cache_is_read_instead_of_rebuilding(tiny, tmp_path, monkeypatch):
    """The cache is named by the key, holds the key, and a second load reads it without reading dict.txt."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("TRAINER_CACHE_DIR", str(folder))
    segment._load_cached(tiny)
    key = segment._cache_key(tiny)
    cache = folder / f"jieba-dict-{key}.marshal"
    assert segment.Dictionary.loads(cache.read_bytes(), key) is not None

    def no_rebuild(path):
        raise AssertionError("rebuilt although the cache is valid")

    monkeypatch.setattr(segment.Dictionary, "build", no_rebuild)
    again = segment._load_cached(tiny)
    assert again.shard("喂") == {"喂": 20, "喂养": 100}


def test_rule_two_dictionaries_keep_two_caches(tiny, across, tmp_path, monkeypatch):
    """Each dict.txt has its own cache file: loading one never returns the other."""
    monkeypatch.setenv("TRAINER_CACHE_DIR", str(tmp_path / "cache"))
    assert segment._load_cached(tiny).shard("甲") == {}
    assert segment._load_cached(across).shard("甲") == {"甲": 100, "甲乙": 1, "甲乙丙": 0, "甲乙丙丁": 5}
    assert segment._load_cached(tiny).shard("甲") == {}
    assert len(list((tmp_path / "cache").glob("jieba-dict-*.marshal"))) == 2


def test_rule_a_damaged_cache_is_named_in_a_warning_and_rewritten(tiny, tmp_path, monkeypatch, caplog):
    """A damaged cache is logged by its path, rebuilt, and written again in a folder that already exists."""
    monkeypatch.setenv("TRAINER_CACHE_DIR", str(tmp_path))
    key = segment._cache_key(tiny)
    cache = tmp_path / f"jieba-dict-{key}.marshal"
    cache.write_bytes(b"damaged")
    with caplog.at_level(logging.WARNING, logger=segment.__name__):
        assert segment._load_cached(tiny).shard("我") == {"我": 0, "我们": 400}
    assert caplog.messages == [f"ignoring the damaged dictionary cache {cache}"]
    assert segment.Dictionary.loads(cache.read_bytes(), key) is not None


def test_rule_the_cache_folder_is_made_private_with_its_parents(tiny, tmp_path, monkeypatch):
    """A missing cache folder is created with its parents, readable by its owner only (0700)."""
    folder = tmp_path / "a" / "b" / "cache"
    monkeypatch.setenv("TRAINER_CACHE_DIR", str(folder))
    old = os.umask(0o022)
    try:
        segment._load_cached(tiny)
    finally:
        os.umask(old)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [p.name for p in folder.iterdir()] == [f"jieba-dict-{segment._cache_key(tiny)}.marshal"]


def test_rule_a_cache_that_cannot_be_kept_is_reported_and_leaves_a_hidden_temporary(tiny, tmp_path, monkeypatch,
                                                                                    caplog):
    """The cache is written beside its place under a hidden .jieba-dict- name; a failure to keep it is logged."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("TRAINER_CACHE_DIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "elsewhere"))
    (tmp_path / "elsewhere").mkdir()
    cache = folder / f"jieba-dict-{segment._cache_key(tiny)}.marshal"
    cache.mkdir(parents=True)  # a directory where the cache file should go: it cannot be replaced
    with caplog.at_level(logging.WARNING, logger=segment.__name__):
        assert segment._load_cached(tiny).shard("宠") == {"宠": 0, "宠物": 50}
    assert caplog.messages[0] == f"ignoring the damaged dictionary cache {cache}"
    expected = (rf"cannot keep the dictionary cache in {re.escape(str(folder))} \(\[Errno 21\] Is a directory: .+\): "
                r"it is rebuilt in every process")
    assert len(caplog.messages) == 2 and re.fullmatch(expected, caplog.messages[1]), caplog.messages
    (left,) = [p for p in folder.iterdir() if p != cache]
    assert left.name.startswith(".jieba-dict-")
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_rule_a_character_that_starts_no_word_weighs_as_a_count_of_one_as_in_jieba(tmp_path):
    """jieba gives a character no dictionary word starts with the frequency 1 (`FREQ.get(...) or 1`). With
    甲 3 and 甲乙 1 the two routes through 甲乙 are close enough that a weight of 2 for the lone 乙 would split
    the word."""
    path = tmp_path / "close.txt"
    path.write_text("甲 3\n甲乙 1\n", encoding="utf-8")
    own = jieba.Tokenizer(str(path))
    assert segment.Dictionary.build(path).cut("甲乙") == [w for w, _, _ in own.tokenize("甲乙", HMM=False)] == ["甲乙"]


#: texts for the questions word_across answers through its shortcut (`_may_run_across`) alone: a position with
#: no word across before one with a word across (in one block and in two), a word as long as the longest after
#: other words, "\r\n" just before a block, and a text ending in "\r" that starts with "\n"
FIRST_QUESTION_TEXTS = ["猫我们", "猫狗，我们", "我们电话号码", "\r\n我们", "喂\r\n我们", "\n我们\r"]


def test_rule_the_shortcut_never_hides_a_token_from_a_first_question(across):
    """Every question is asked of a fresh dictionary, so every block goes through the shortcut: a dictionary
    that has met a block keeps it cut (or, met once with nothing across, cuts it the next time), and the
    shared dictionary of test_rule_word_across_is_the_first_token_of_tokenize_across_a_position answers only
    each block's first question without segmenting. Positions come in both orders."""
    for text in ACROSS_TEXTS + FIRST_QUESTION_TEXTS:
        tokens = segment.Dictionary.build(across).tokenize(text)
        spots = range(-1, len(text) + 2)
        for positions in [(p,) for p in spots] + list(permutations(spots, 2)):
            fresh = segment.Dictionary.build(across)
            assert fresh.word_across(text, positions) == _first_token_across(tokens, positions), (text, positions)


def test_rule_a_position_with_nothing_across_does_not_end_the_search(across):
    """A position no word runs across (猫|我, 猫|狗) is passed over: a later position in the same block, or in
    a later block, may still have a word across it."""
    assert segment.Dictionary.build(across).word_across("猫我们", (1, 2)) == "我们"
    assert segment.Dictionary.build(across).word_across("猫狗，我们", (1, 4)) == "我们"
    assert segment.Dictionary.build(across).word_across("喂电话号码", (1, 2)) == "电话号码"


def test_rule_a_word_as_long_as_the_longest_is_looked_for_from_its_first_character(across):
    """The shortcut looks for words from up to `longest - 1` characters before the position: 电话号码 (the
    longest word, 4) spans the position before its last character from 3 characters back."""
    assert segment.Dictionary.build(across).word_across("电话号码", (3,)) == "电话号码"
    assert segment.Dictionary.build(across).word_across("我们电话号码", (5,)) == "电话号码"


def test_rule_the_walk_left_stops_at_a_character_that_starts_no_word(across):
    """The shortcut walks left over characters side by side in some word; a character that starts no word
    (猫, 丁) has no entry in the pair table and simply stops the walk."""
    assert segment.Dictionary.build(across).word_across("猫我们", (2,)) == "我们"
    assert segment.Dictionary.build(across).word_across("我们甲乙丙丁电话号码", (7,)) == "电话号码"


def test_rule_the_walk_left_stops_at_the_start_of_the_text(tmp_path):
    """With 谢谢 a word, 谢 may follow 谢, so the text's last character may come before its first: the walk
    left must stop at the start of the text and not wrap round to its end."""
    path = tmp_path / "thanks.txt"
    path.write_text("谢谢 10 l\n我们 300 r\n", encoding="utf-8")
    assert segment.Dictionary.build(path).word_across("谢谢", (1,)) == "谢谢"
    assert segment.Dictionary.build(path).word_across("谢谢谢谢", (3,)) == "谢谢"
    assert segment.Dictionary.build(path).word_across("我们谢谢", (3,)) == "谢谢"


@pytest.mark.parametrize(("text", "positions"), [("\r\n我们", (1, 3)), ("喂\r\n我们", (2, 4))],
                         ids=["crlf-first", "after-a-block"])
def test_rule_a_crlf_across_a_position_comes_before_the_block_just_after_it(across, text, positions):
    """"\r\n" is a token of its own: when a position falls inside it, a block starting right after it comes
    later in the text, so the "\r\n" is the first token across and the block's words are not asked."""
    assert segment.Dictionary.build(across).word_across(text, positions) == "\r\n"


def test_rule_the_ends_of_the_text_are_no_positions_inside_it_even_beside_a_cr(across):
    """Positions 0 and len(text) are not inside the text: 0 is never taken for the middle of a "\r\n" made of
    the text's last character ("\r") and its first ("\n"), and the end is not looked at past a final "\r"."""
    assert segment.Dictionary.build(across).word_across("\n我们\r", (0, 2)) == "我们"
    assert segment.Dictionary.build(across).word_across("\n\r", (0,)) is None
    assert segment.Dictionary.build(across).word_across("\n我们\r", (4,)) is None
    assert segment.Dictionary.build(across).word_across("我们\r", (3, 1)) == "我们"


def test_rule_the_first_crlf_across_a_position_is_the_first_in_the_text_whatever_the_order_asked(across):
    """Positions may come in any order: the "\r\n" reported is the one earliest in the text, before a block
    that comes after it even when the block's position is asked first."""
    assert segment.Dictionary.build(across).word_across("\r\n我们\r\n", (5, 3, 1)) == "\r\n"
    assert segment.Dictionary.build(across).word_across("我们\r\n我们", (3, 1)) == "我们"
    assert segment.Dictionary.build(across).word_across("我们\r\n我们", (5, 3)) == "\r\n"


def test_rule_the_process_dictionary_is_loaded_on_first_use_and_then_kept(monkeypatch):
    """`dictionary()` loads jieba's dictionary (from its cache) the first time it is asked, and every later
    call gets that same object."""
    monkeypatch.setattr(segment, "_dictionary", None)
    first = segment.dictionary()
    assert isinstance(first, segment.Dictionary) and first.word_across("喂养宠物", (0, 1)) == "喂养"
    assert segment.dictionary() is first
