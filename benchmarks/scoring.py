"""Reply-scorer throughput against a naive baseline, on one core, in the same run.

    .venv/bin/python benchmarks/scoring.py [--count 100000] [--baseline-count N] [--seed 1]
    .venv/bin/python benchmarks/scoring.py --corpora dense,real [--count 30000] [--whole-process 30000]

Three corpora: `mixed` (below), `dense` (every reply ~150 characters packed with polite and banned
phrases and their allowed contexts, ~25 candidates a reply — where per-candidate judging is the cost)
and `real` (the shared acceptance replies, real agent turns among them, repeated to the count).
`--whole-process N` also times the whole `trainer score FILE` process on N dense replies against the
same naive scorer run as a whole process (`--naive-file`), start-up included.

The corpus mixes ordinary service sentences (from the repository's courses and questions, and from
../shared/reference when it is there) with phrasings built from the rule files themselves (polite and
banned phrases, allowed contexts, suggested wordings, the prescribed polite phrases) and, when
../shared/acceptance is there, its replies: 70 % ordinary sentences by default (`--neutral-share`),
in Simplified and Traditional, half- and full-width, with stray spaces, 10–300 characters long, over
every script type.

The baseline scores the same way but finds candidates naively: `jieba.lcut` of the whole reply and a
substring search for every phrase (and every pattern over the whole text). Both scorers must give
identical reports on the acceptance cases; the script checks that before timing anything.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path

import jieba
import opencc
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trainer.content.phrases import load_rules  # noqa: E402
from trainer.scoring import score  # noqa: E402
from trainer.scoring.matcher import Layout, Matcher, _drop_overlaps, matcher_for  # noqa: E402
from trainer.scoring.normalize import normalize  # noqa: E402

ACCEPTANCE = ROOT.parent / "shared" / "acceptance"
REFERENCE = ROOT.parent / "shared" / "reference"


class NaiveMatcher(Matcher):
    """Segment the whole reply with jieba, then search every phrase and pattern one by one."""

    def __init__(self, rules):
        super().__init__(rules)
        self.literals = [(lit, "group", g) for g in rules.groups.values() for lit in g.literals]
        self.literals += [(lit, "banned", b) for b in rules.banned for lit in b.literals]
        self.patterns = [(p, "group", g) for g in rules.groups.values() for p in g.patterns]
        self.patterns += [(p, "banned", b) for b in rules.banned for p in b.patterns]
        self._edges: frozenset[int] = frozenset()
        self._words: list[tuple[str, int, int]] = []

    def find(self, norm, layout=None):
        text = norm.text
        if not text:
            return []
        layout = layout or Layout(norm)
        self._words, position = [], 0
        for word in jieba.lcut(text, HMM=False):
            self._words.append((word, position, position + len(word)))
            position += len(word)
        self._edges = frozenset(edge for _, a, b in self._words for edge in (a, b))
        spans = {}
        for literal, kind, rule in self.literals:
            start = text.find(literal)
            while start >= 0:
                spans.setdefault((kind, id(rule), start, start + len(literal)), (kind, rule))
                start = text.find(literal, start + 1)
        for pattern, kind, rule in self.patterns:
            for s_start, s_end in layout.sentences or [(0, len(text))]:
                for match in pattern.regex.finditer(text, s_start, s_end):
                    if match.end() > match.start():
                        spans.setdefault((kind, id(rule), match.start(), match.end()), (kind, rule))
        hits = [self._judge(kind, rule, start, end, layout)
                for (_, _, start, end), (kind, rule) in sorted(spans.items(), key=lambda kv: (kv[0][2], -kv[0][3]))]
        return _drop_overlaps(hits)

    def inside_word(self, text, start, end, sentence):
        if start in self._edges and end in self._edges:
            return None
        return next((w for w, a, b in self._words if a < start < b or a < end < b), None)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"[。！？!?\n]", text) if 6 <= len(s.strip()) <= 80]


def neutral_sentences() -> list[str]:
    """Ordinary service-desk sentences: the repository's courses and questions, and the reference documents."""
    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "courses").glob("*/*.md")]
    texts += [p.read_text(encoding="utf-8") for p in (ROOT / "question_bank" / "questions").glob("*.yaml")]
    if REFERENCE.is_dir():
        texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(REFERENCE.glob("*.txt"))]
    return [s for text in texts for s in _sentences(text) if not s.startswith(("#", "-", "`", "|"))]


def corpus(rules, count: int, rng: random.Random, neutral_share: float = 0.7) -> list[tuple[str, str]]:
    """Replies of 10–300 characters: mostly ordinary sentences, the rest polite and banned phrasings."""
    phrases = [text for text, _ in rules.prescribed]
    phrases += [b.suggestion for b in rules.banned]
    phrases += [lit for g in rules.groups.values() for lit in g.literals]
    phrases += [lit for b in rules.banned for lit in b.literals]
    phrases += [c.source.replace("…", "这个时间") for b in rules.banned for c in b.allow]
    for name in ("scoring_cases.yaml", "real_jddc_cases.yaml"):
        if (ACCEPTANCE / name).is_file():
            phrases += [case["text"] for case in yaml.safe_load((ACCEPTANCE / name).read_text(encoding="utf-8"))]
    neutral = neutral_sentences() or phrases
    to_trad = opencc.OpenCC("s2t")
    scripts = list(rules.scripts)
    replies = []
    for _ in range(count):
        target = rng.randint(10, 300)
        parts, length = [], 0
        while length < target:
            piece = rng.choice(neutral if rng.random() < neutral_share else phrases)
            parts.append(piece)
            length += len(piece) + 1
        text = "。".join(parts)[:target]
        roll = rng.random()
        if roll < 0.25:
            text = to_trad.convert(text)
        elif roll < 0.35:
            text = text.translate({ord(","): "，", ord("?"): "？", ord("!"): "！"})
        elif roll < 0.45:
            text = re.sub(r"(.)", lambda m: m.group(1) + (" " if rng.random() < 0.1 else ""), text)
        replies.append((text, rng.choice(scripts)))
    return replies


def dense_corpus(rules, count: int, rng: random.Random) -> list[tuple[str, str]]:
    """~150 characters of polite and banned phrases and allowed contexts, with a little filler between."""
    phrases = [lit for g in rules.groups.values() for lit in g.literals]
    phrases += [lit for b in rules.banned for lit in b.literals]
    phrases += [c.source.replace("…", "这个") for b in rules.banned for c in b.allow]
    filler = ["我们", "这边", "您的", "问题", "已经", "现在", "物业", "师傅", "房号", "电话"]
    scripts = list(rules.scripts)
    replies = []
    for _ in range(count):
        parts, length = [], 0
        while length < 150:
            piece = rng.choice(phrases) if rng.random() < 0.7 else rng.choice(filler)
            parts.append(piece)
            length += len(piece) + 1
        replies.append(("，".join(parts)[:150], rng.choice(scripts)))
    return replies


def real_corpus(count: int) -> list[tuple[str, str]]:
    cases = []
    for name in ("scoring_cases.yaml", "real_jddc_cases.yaml"):
        if (ACCEPTANCE / name).is_file():
            cases += yaml.safe_load((ACCEPTANCE / name).read_text(encoding="utf-8"))
    if not cases:
        return []
    return [(cases[i % len(cases)]["text"], cases[i % len(cases)].get("script")) for i in range(count)]


def timed(replies, rules, matcher=None) -> tuple[float, list[float]]:
    latencies = []
    began = time.perf_counter()
    for text, script in replies:
        t0 = time.perf_counter()
        score(text, script, rules, matcher=matcher)
        latencies.append(time.perf_counter() - t0)
    return time.perf_counter() - began, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description="reply-scorer benchmark")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--baseline-count", type=int, default=None, help="replies for the baseline (default: all)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--neutral-share", type=float, default=0.7, help="share of ordinary sentences")
    parser.add_argument("--corpora", default="mixed,dense,real", help="which corpora to time (mixed, dense, real)")
    parser.add_argument("--whole-process", type=int, default=0, help="also time whole processes on N dense replies")
    parser.add_argument("--naive-file", help=argparse.SUPPRESS)  # the naive scorer as a whole process
    args = parser.parse_args()
    if args.naive_file:
        return naive_process(Path(args.naive_file))
    jieba.setLogLevel(60)
    jieba.initialize()
    rules, errors = load_rules(ROOT / "question_bank" / "phrases")
    if errors:
        sys.exit("\n".join(map(str, errors)))
    naive = NaiveMatcher(rules)

    cases = []
    for name in ("scoring_cases.yaml", "real_jddc_cases.yaml"):
        if (ACCEPTANCE / name).is_file():
            cases += yaml.safe_load((ACCEPTANCE / name).read_text(encoding="utf-8"))
    differ = [c["id"] for c in cases
              if score(c["text"], c.get("script"), rules).to_dict() != score(
                  c["text"], c.get("script"), rules, matcher=naive).to_dict()]
    print(f"acceptance cases: {len(cases)} scored, {len(differ)} differ between scorer and baseline {differ[:5]}")

    rng = random.Random(args.seed)
    wanted = [c.strip() for c in args.corpora.split(",") if c.strip()]
    for name in wanted:
        if name == "mixed":
            replies = corpus(rules, args.count, rng, args.neutral_share)
        elif name == "dense":
            replies = dense_corpus(rules, args.count, rng)
        elif name == "real":
            replies = real_corpus(args.count)
        else:
            sys.exit(f"unknown corpus {name!r}")
        if not replies:
            print(f"\n[{name}] skipped: no acceptance data at {ACCEPTANCE}")
            continue
        run_corpus(name, replies, rules, naive, args.baseline_count)
    if args.whole_process:
        whole_processes(dense_corpus(rules, args.whole_process, random.Random(args.seed)))


def run_corpus(name, replies, rules, naive, baseline_count) -> None:
    candidates = sum(len(matcher_for(rules).find(normalize(t))) for t, _ in replies[:500]) / min(500, len(replies))
    print(f"\n[{name}] {len(replies)} replies, {sum(len(t) for t, _ in replies) / len(replies):.0f} characters and "
          f"{candidates:.1f} candidates on average, {len(rules.scripts)} script types, rules {rules.version}")
    timed(replies[:2000], rules)  # warm caches the way a long-running process has them
    elapsed, latencies = timed(replies, rules)
    baseline = replies[:baseline_count] if baseline_count else replies
    b_elapsed, b_latencies = timed(baseline, rules, naive)

    def line(label, n, seconds, lat):
        long = [t for (text, _), t in zip(replies, lat, strict=False) if len(text) >= 280]
        p99_long = statistics.quantiles(long, n=100)[98] * 1e6 if len(long) > 100 else float("nan")
        print(f"{label:9s} {n / seconds:9.0f} replies/s  {seconds / n * 1e6:7.1f} µs/reply  "
              f"p50 {statistics.median(lat) * 1e6:6.1f} µs  p99 {statistics.quantiles(lat, n=100)[98] * 1e6:7.1f} µs  "
              f"p99 (280–300 chars) {p99_long:7.1f} µs")

    line("scorer", len(replies), elapsed, latencies)
    line("baseline", len(baseline), b_elapsed, b_latencies)
    print(f"speed-up: {(len(replies) / elapsed) / (len(baseline) / b_elapsed):.1f}× the baseline's throughput")


def naive_process(path: Path) -> None:
    """Score a JSON Lines file with the naive matcher, printing one report a line, as `trainer score` does."""
    import json

    jieba.setLogLevel(60)
    rules, _ = load_rules(ROOT / "question_bank" / "phrases")
    naive = NaiveMatcher(rules)
    out = sys.stdout
    for raw in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(raw)
        out.write(json.dumps(score(item["text"], item.get("script"), rules, matcher=naive).to_dict(item["id"]),
                             ensure_ascii=False) + "\n")


def whole_processes(replies, rounds: int = 5) -> None:
    """Time `trainer score FILE` and the naive scorer as whole processes on the same file (start-up included)."""
    import json
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as fh:
        for n, (text, script) in enumerate(replies):
            fh.write(json.dumps({"id": n, "text": text, "script": script}, ensure_ascii=False) + "\n")
        path = fh.name
    trainer = Path(sys.executable).with_name("trainer")
    runs = {"trainer score": [str(trainer), "score", path],
            "naive": [sys.executable, str(Path(__file__).resolve()), "--naive-file", path]}
    # Each pair is run `rounds` times, alternating, so a burst of load elsewhere on the machine lands on both
    # sides. Two figures, with every round printed beside them: the median of the per-round ratios, and the
    # ratio of each side's best time (load elsewhere only ever adds time, so a best time is the least
    # disturbed measurement of a side — timeit's reasoning).
    ratios, rows, best = [], [], {label: float("inf") for label in runs}
    for _ in range(rounds):
        seconds = {}
        for label, command in runs.items():
            began = time.perf_counter()
            subprocess.run(command, check=False, stdout=subprocess.DEVNULL, cwd=ROOT)
            seconds[label] = time.perf_counter() - began
            best[label] = min(best[label], seconds[label])
        ratios.append(seconds["naive"] / seconds["trainer score"])
        rows.append(f"{seconds['trainer score']:.1f} s vs {seconds['naive']:.1f} s ({ratios[-1]:.2f}×)")
    began = time.perf_counter()
    subprocess.run([str(trainer), "score", "/dev/null"], check=False, stdout=subprocess.DEVNULL, cwd=ROOT)
    start_up = time.perf_counter() - began
    print(f"\n[whole process, {len(replies)} dense replies, trainer score vs naive] " + "; ".join(rows))
    print(f"whole-process speed-up: {statistics.median(ratios):.2f}× (median of {rounds} rounds), "
          f"{best['naive'] / best['trainer score']:.2f}× (best {best['trainer score']:.1f} s vs "
          f"{best['naive']:.1f} s); trainer score on an empty file (start-up) {start_up:.2f} s")
    Path(path).unlink()


if __name__ == "__main__":
    main()
