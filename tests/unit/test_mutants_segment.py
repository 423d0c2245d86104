"""Rules of trainer.scoring.segment that mutation testing found unguarded (see tests/MUTANTS.md).

The full-dictionary tests in test_segment.py take 15-25 s under mutmut; these build a dictionary of five
lines, so the build and cache format are checked in milliseconds.
"""

from pathlib import Path

import jieba
import pytest

from trainer.scoring import segment

DICT_TXT = "喂养 100 v\n宠物 50 n\n喂 20 v\n我们 300 r\n我们 400 r\n电话号码 7 n\n"

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
