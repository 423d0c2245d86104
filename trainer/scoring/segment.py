"""jieba's dictionary segmentation (accurate mode, no HMM), from a dictionary that loads in milliseconds.

The scorer asks jieba one question many times: how does `jieba.tokenize(window, HMM=False)` split a dozen
characters around a candidate ("喂养" is one word, so "喂" is not a word there)? Answering it with jieba
itself costs a second per process before the first answer: importing jieba (0.2 s, it imports
pkg_resources) and loading its prefix dictionary (500 000 entries unmarshalled into one dict).

This module gives the same answer from the same data. jieba's own `dict.txt` is read once into jieba's
prefix dictionary (every word with its frequency, every prefix of a word with 0), split by first character
into shards and kept as one cache file in the user's cache directory ($TRAINER_CACHE_DIR, else
$XDG_CACHE_HOME/trainer or ~/.cache/trainer; built on first use, 2–3 s, and rebuilt when jieba's dictionary
file or the format changes). A process reads that file (~30 ms) and unmarshals a shard the first time a
text needs a word starting with its character — a service desk's replies use a few thousand characters,
not all 7 000. The file also keeps, for each character, the characters that follow it inside some word:
where the two characters either side of a candidate's edge are side by side in no word, no segmentation
can cut through that edge, and most edges are answered by that one test. Everything else is jieba's
algorithm: the same DAG of dictionary words, the same word probabilities (log(freq) - log(total)), the same
right-to-left maximum with the same tie-break (the longer word), the same runs of single letters and digits
glued into one token, the same split of the text into blocks (jieba's `re_han_default`) with every other
character a token of its own. tests/unit/test_segment.py compares it with jieba itself; pyproject pins
jieba to 0.42, whose algorithm this is.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import re
import sys
import threading
from importlib.util import find_spec
from itertools import pairwise
from math import log
from pathlib import Path

log_ = logging.getLogger(__name__)

#: jieba's block pattern (re_han_default) and its single-letter-or-digit pattern (re_eng)
_BLOCK = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&._%\\-]+)")
_WHOLE_BLOCK = re.compile("[\u4e00-\u9fd5a-zA-Z0-9+#&._%\\-]+")
_ENG = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_OTHER = re.compile("\r\n|.", re.DOTALL)  # outside blocks: every character alone, "\r\n" together

_FORMAT = 4  # bump when the cache layout changes


def _dictionary_file() -> Path:
    spec = find_spec("jieba")  # finds the package without importing it (importing jieba costs 0.2 s)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("jieba is not installed: its dictionary is needed for word boundaries")
    return Path(next(iter(spec.submodule_search_locations))) / "dict.txt"


def cache_dir() -> Path:
    configured = os.environ.get("TRAINER_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "trainer"


_NO_WORDS: dict[str, int] = {}
_KEPT = 50_000  # blocks kept cut (and blocks remembered as seen) before the store starts over


def _remember(seen: set[str], piece: str) -> None:
    if len(seen) >= _KEPT:
        seen.clear()
    seen.add(piece)


class Dictionary:
    """jieba's prefix dictionary, one shard per first character, each unmarshalled when first needed."""

    def __init__(self, total: int, longest: int, pairs: dict[str, str], index: dict[str, tuple[int, int]],
                 blob: bytes):
        self.total = total
        self.longest = longest  # the longest word, in characters
        self._pairs = pairs  # for a character, every character that follows it inside some word
        self._logtotal = log(total)
        self._index = index
        self._blob = memoryview(blob)
        self._shards: dict[str, dict[str, int]] = {}
        self._weights: dict[int, float] = {}
        self._cuts: dict[str, tuple[str, ...]] = {}  # block → its words, for blocks met more than once
        self._seen: set[str] = set()  # blocks met once, where nothing ran across the positions asked about
        self._lock = threading.Lock()

    @classmethod
    def build(cls, path: Path) -> Dictionary:
        """Read jieba's dict.txt exactly as jieba's gen_pfdict does (the last frequency of a word wins)."""
        freq: dict[str, int] = {}
        total = 0
        with open(path, "rb") as fh:
            for line in fh:
                word, count = line.strip().decode("utf-8").split(" ")[:2]
                freq[word] = int(count)
                total += int(count)
                for i in range(1, len(word)):
                    freq.setdefault(word[:i], 0)
        shards: dict[str, dict[str, int]] = {}
        for word, frequency in freq.items():
            shards.setdefault(word[0], {})[word] = frequency
        index, parts, offset = {}, [], 0
        for first, shard in shards.items():
            data = marshal.dumps(shard)
            index[first] = (offset, offset + len(data))
            parts.append(data)
            offset += len(data)
        following: dict[str, set[str]] = {}
        for word in freq:
            for a, b in pairwise(word):
                following.setdefault(a, set()).add(b)
        pairs = {a: "".join(sorted(bs)) for a, bs in following.items()}
        return cls(total, max(map(len, freq), default=1), pairs, index, b"".join(parts))

    def dumps(self, key: str) -> bytes:
        return marshal.dumps((_FORMAT, key, self.total, self.longest, self._pairs, self._index,
                              self._blob.tobytes()))

    @classmethod
    def loads(cls, data: bytes, key: str) -> Dictionary | None:
        stored = marshal.loads(data)
        if not (isinstance(stored, tuple) and len(stored) == 7 and stored[:2] == (_FORMAT, key)):
            return None
        _, _, total, longest, pairs, index, blob = stored
        return cls(total, longest, pairs, index, blob)

    def shard(self, first: str) -> dict[str, int]:
        """The words (and prefixes of words) that start with `first`, with their frequencies."""
        shard = self._shards.get(first)
        if shard is None:
            with self._lock:
                where = self._index.get(first)
                shard = marshal.loads(self._blob[where[0]:where[1]]) if where else _NO_WORDS
                self._shards[first] = shard
        return shard

    def weight(self, count: int) -> float:
        """log(freq) - log(total), computed as jieba computes it so routes compare exactly alike."""
        value = self._weights.get(count)
        if value is None:
            value = self._weights[count] = log(count or 1) - self._logtotal
        return value

    def _dag(self, block: str) -> list[list[tuple[int, int]]]:
        """jieba's get_DAG: for each position, (last index, frequency) of every dictionary word starting there."""
        n = len(block)
        shards = self._shards
        dag: list[list[tuple[int, int]]] = []
        for k in range(n):
            first = block[k]
            words = shards.get(first)
            if words is None:
                words = self.shard(first)
            edges: list[tuple[int, int]] = []
            count = words.get(first)
            i = k + 1
            while count is not None:  # jieba walks on while the fragment is a word or a prefix of one
                if count:
                    edges.append((i - 1, count))
                if i >= n:
                    break
                i += 1
                count = words.get(block[k:i])
            dag.append(edges)
        return dag

    def _cut_block(self, block: str, dag: list[list[tuple[int, int]]]) -> list[str]:
        """jieba's __cut_DAG_NO_HMM on one block: the most probable route through the dictionary words."""
        n = len(block)
        weight = self.weight
        score = [0.0] * (n + 1)
        nxt = [0] * (n + 1)
        alone = weight(1)  # a character that starts no word: jieba's `FREQ.get(...) or 1`
        for i in range(n - 1, -1, -1):
            edges = dag[i]
            if not edges:
                score[i], nxt[i] = alone + score[i + 1], i + 1
                continue
            best, best_x = None, -1
            for x, count in edges:  # jieba's max((p, x)): the higher probability, then the longer word
                p = weight(count) + score[x + 1]
                if best is None or p > best or (p == best and x > best_x):
                    best, best_x = p, x
            assert best is not None  # edges is not empty
            score[i], nxt[i] = best, best_x + 1
        words: list[str] = []
        buf = ""
        i = 0
        while i < n:
            j = nxt[i]
            if j == i + 1 and block[i] in _ENG:  # single letters and digits run together into one token
                buf += block[i]
            else:
                if buf:
                    words.append(buf)
                    buf = ""
                words.append(block[i:j])
            i = j
        if buf:
            words.append(buf)
        return words

    def cut(self, text: str) -> list[str]:
        """`jieba.lcut(text, HMM=False)`."""
        words: list[str] = []
        for piece in _BLOCK.split(text):
            if not piece:
                continue
            if _WHOLE_BLOCK.match(piece):
                words.extend(self._cut_block(piece, self._dag(piece)))
            else:
                words.extend(_OTHER.findall(piece))
        return words

    def tokenize(self, text: str) -> list[tuple[str, int, int]]:
        """`list(jieba.tokenize(text, HMM=False))`: (word, start, end) for every word."""
        tokens, start = [], 0
        for word in self.cut(text):
            tokens.append((word, start, start + len(word)))
            start += len(word)
        return tokens

    def word_across(self, text: str, positions: tuple[int, ...]) -> str | None:
        """The first token of `tokenize(text)` with one of `positions` strictly inside it, or None.

        jieba cuts each block of `text` on its own, so only a block holding one of the positions is looked at,
        and a block's words are kept once cut: the clauses of service replies recur ("请您稍等", "没有办法"),
        and a block met again costs one lookup. A block met for the first time is first tested without
        segmenting: a token is a dictionary word, a single character or a run of single letters and digits,
        so unless a dictionary word spans a position (looked up directly: only the fragments that span it,
        whose prefixes must all be in the prefix dictionary) or a position has a letter or digit on both
        sides, nothing runs across it. Met a second time, it is cut and kept.
        """
        n = len(text)
        inside = [p for p in positions if 0 < p < n]
        if not inside:
            return None
        # outside blocks every character is a token of its own but "\r\n": the first token across wins
        crlf = min((p - 1 for p in inside if text[p - 1] == "\r" and text[p] == "\n"), default=n)
        cuts = self._cuts
        for block in _BLOCK.finditer(text):
            b_start, b_end = block.span()
            if b_start > crlf:
                break
            here = [p - b_start for p in inside if b_start < p < b_end]
            if not here:
                continue
            piece = block.group()
            words = cuts.get(piece)
            if words is None:
                if piece not in self._seen and not self._may_run_across(piece, here):
                    _remember(self._seen, piece)
                    continue
                words = tuple(self._cut_block(piece, self._dag(piece)))
                if len(cuts) >= _KEPT:
                    cuts.clear()
                cuts[piece] = words
            start = 0
            for word in words:
                end = start + len(word)
                for p in here:
                    if start < p < end:
                        return word
                start = end
        return "\r\n" if crlf < n else None

    def may_join(self, text: str, position: int) -> bool:
        """Whether some token of some stretch of `text` could run across `position` (a test without lookups).

        False when the characters either side of it are side by side in no dictionary word and are not both
        letters or digits (or "\\r\\n"): then no segmentation of any window has a token across it.
        """
        if not 0 < position < len(text):
            return False
        before, after = text[position - 1], text[position]
        return ((before in _ENG and after in _ENG) or (before == "\r" and after == "\n")
                or after in self._pairs.get(before, ""))

    def _may_run_across(self, text: str, inside: list[int]) -> bool:
        """Whether a dictionary word spans one of `inside`, or one of them has letters or digits both sides.

        A word starting at k before position p spans p when text[k:p + 1] and then longer fragments are in
        the prefix dictionary, up to one that is a word. A word that starts before an earlier position of
        `inside` and spans a later one spans the earlier one too, so it is looked for there only. And none is
        looked for where the characters either side of the position are side by side in no word at all.
        """
        n = len(text)
        shards, pairs = self._shards, self._pairs
        floor = 0
        for p in sorted(inside):
            before, after = text[p - 1], text[p]
            if (before in _ENG and after in _ENG) or (before == "\r" and after == "\n"):
                return True
            if after not in pairs.get(before, ""):  # no word has these two characters side by side
                floor = p
                continue
            # a word from k across p has every two neighbours from k to p side by side in some word: walk
            # left over such neighbours first (a small table) and look words up only from there
            lowest, leftmost = max(floor, p - self.longest + 1), p - 1
            while leftmost > lowest and text[leftmost] in pairs.get(text[leftmost - 1], ""):
                leftmost -= 1
            for k in range(leftmost, p):
                first = text[k]
                words = shards.get(first)
                if words is None:
                    words = self.shard(first)
                i = p + 1
                count = words.get(text[k:i])
                while count is not None:
                    if count:
                        return True
                    if i >= n:
                        break
                    i += 1
                    count = words.get(text[k:i])
            floor = p
        return False


def _cache_key(path: Path) -> str:
    stat = path.stat()
    parts = (str(_FORMAT), str(path.resolve()), str(stat.st_size), str(stat.st_mtime_ns), sys.version.split()[0])
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def _load_cached(path: Path) -> Dictionary:
    key = _cache_key(path)
    folder = cache_dir()
    cache = folder / f"jieba-dict-{key}.marshal"
    try:
        dictionary = Dictionary.loads(cache.read_bytes(), key)
        if dictionary is not None:
            return dictionary
    except FileNotFoundError:
        pass
    except Exception:  # a damaged cache is rebuilt, never trusted
        log_.warning("ignoring the damaged dictionary cache %s", cache)
    dictionary = Dictionary.build(path)
    try:
        import tempfile

        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".jieba-dict-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(dictionary.dumps(key))
        os.replace(temporary, cache)
    except OSError as exc:
        log_.warning("cannot keep the dictionary cache in %s (%s): it is rebuilt in every process", folder, exc)
    return dictionary


_lock = threading.Lock()
_dictionary: Dictionary | None = None


def dictionary() -> Dictionary:
    """The process's dictionary, loaded (or built and cached) on first use."""
    global _dictionary
    if _dictionary is None:
        with _lock:
            if _dictionary is None:
                _dictionary = _load_cached(_dictionary_file())
    return _dictionary


def tokenize(text: str) -> list[tuple[str, int, int]]:
    return dictionary().tokenize(text)


def cut(text: str) -> list[str]:
    return dictionary().cut(text)
