"""trainer/scoring/segment.py must split every text exactly as `jieba.tokenize(text, HMM=False)` does.

The scorer's word-boundary check and the relevance tokens used to call jieba itself; segment.py reads the
same dictionary faster, so these tests hold it to jieba's own answers on the texts the scorer meets
(rule phrases, course lessons, the windows around candidates) and on random mixtures of the characters
that jieba treats specially (letters and digits it glues together, `.`, `-`, `%`, spaces, "\\r\\n").
"""

from __future__ import annotations

import random

import jieba
import pytest

from tests.conftest import ROOT
from trainer.scoring import segment
from trainer.scoring.normalize import fold

jieba.setLogLevel(60)


@pytest.fixture(scope="module")
def dictionary() -> segment.Dictionary:
    return segment.dictionary()


def _texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "courses").glob("*/*.md"))[:12]]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "question_bank" / "phrases").glob("*.yaml"))]
    return [fold(t) for t in texts] + texts[:3]


def _random_texts(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    special = [*"abcXYZ019+#&._%-,!?:“” \t\n", "\r\n", "\u3000", "\u9fd6", "\u9fff", "γ"]
    common = list("我们这边已经不行喂养宠物您的问题物业师傅房号电话请稍等一下没有办法不知道哪里理解感受")
    rare = [chr(rng.randint(0x4E00, 0x9FD5)) for _ in range(80)]
    pool = special + common * 3 + rare
    return ["".join(rng.choice(pool) for _ in range(rng.randint(0, 40))) for _ in range(count)]


def test_cut_is_jiebas_on_lessons_rules_and_random_text(dictionary):
    for text in _texts() + _random_texts(400):
        assert dictionary.cut(text) == jieba.lcut(text, HMM=False), text[:60]


def test_tokenize_and_word_across_are_jiebas_on_every_window(dictionary):
    rng = random.Random(3)
    windows = []
    for text in _texts() + _random_texts(300, seed=11):
        for _ in range(20):
            start = rng.randint(0, len(text))
            windows.append(text[start:start + rng.randint(0, 16)])
    for window in windows:
        expected = list(jieba.tokenize(window, HMM=False))
        assert dictionary.tokenize(window) == expected, window
        for start in range(len(window) + 1):
            for end in {start, min(len(window), start + 1), min(len(window), start + 2)}:
                cut = next((w for w, a, b in expected if a < start < b or a < end < b), None)
                assert dictionary.word_across(window, (start, end)) == cut, (window, start, end)


def test_the_cases_the_scorer_depends_on(dictionary):
    assert dictionary.word_across("喂养宠物", (0, 1)) == "喂养"
    assert dictionary.word_across("喂,你好", (0, 1)) is None
    assert dictionary.word_across("我们不行动", (2, 4)) == "行动"
    assert dictionary.word_across("abc123", (2, 3)) == "abc123"  # jieba glues single letters and digits


def test_the_dictionary_is_cached_once_and_a_damaged_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAINER_CACHE_DIR", str(tmp_path / "cache"))
    source = segment._dictionary_file()
    built = segment._load_cached(source)
    cached = list((tmp_path / "cache").glob("jieba-dict-*.marshal"))
    assert len(cached) == 1
    again = segment._load_cached(source)
    assert (again.total, again.longest) == (built.total, built.longest)
    assert again.shard("喂") == built.shard("喂")
    assert again.tokenize("我们这边喂养宠物") == list(jieba.tokenize("我们这边喂养宠物", HMM=False))
    cached[0].write_bytes(b"not a dictionary")
    rebuilt = segment._load_cached(source)
    assert rebuilt.tokenize("不行动") == built.tokenize("不行动")
    assert segment.Dictionary.loads(cached[0].read_bytes(), "key") is None  # rewritten, but for its own key


def test_the_matchers_word_check_is_jiebas_on_its_window():
    """matcher._inside_word skips the window when no word could run across an edge: never wrongly."""
    from trainer.scoring.matcher import _BOUNDARY_WINDOW, _inside_word

    rng = random.Random(5)
    for text in _random_texts(300, seed=13) + [t[:200] for t in _texts()]:
        n = len(text)
        for _ in range(15):
            start = rng.randint(0, n)
            end = min(n, start + rng.randint(1, 4))
            sentence = (rng.randint(0, start), rng.randint(end, n))
            lo, hi = max(sentence[0], start - _BOUNDARY_WINDOW), min(sentence[1], end + _BOUNDARY_WINDOW)
            s, e = start - lo, end - lo
            expected = next((w for w, a, b in jieba.tokenize(text[lo:hi], HMM=False) if a < s < b or a < e < b), None)
            assert _inside_word(text, start, end, sentence) == expected, (text, start, end, sentence)
