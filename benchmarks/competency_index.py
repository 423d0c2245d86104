"""How fast evidence turns into indicator scores and weighted indices.

Measures the pure arithmetic (trainer.competency.stats) for many agents, and the database-backed
HR table (trainer.competency.services.profiles) on a temporary SQLite file, and prints the figures.

    .venv/bin/python benchmarks/competency_index.py [--agents 2000] [--evidence 120]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from trainer.competency import stats
from trainer.content import load_content

ROOT = Path(__file__).resolve().parent.parent


def pure(agents: int, per_agent: int, rng: random.Random) -> None:
    model = load_content(ROOT).require_valid().model
    groups = [
        stats.WeightGroup(g.id, g.weight, tuple((i.id, i.weight, i.combined) for i in g.indicators))
        for g in model.groups
    ]
    ids = [i.id for i in model.indicators]
    start = datetime(2026, 1, 1)
    population = [
        [stats.EvidencePoint(rng.choice(ids), rng.uniform(30, 100), start + timedelta(hours=k), k)
         for k in range(per_agent)]
        for _ in range(agents)
    ]
    for method in stats.Mastery:
        timings = []
        began = time.perf_counter()
        for points in population:
            t0 = time.perf_counter()
            scores = stats.indicator_scores(points, method)
            stats.weighted_index({k: v.score for k, v in scores.items()}, groups)
            timings.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - began
        p99 = statistics.quantiles(timings, n=100)[98]
        print(f"pure  {method.value:17s} {agents / elapsed:10.0f} agents/s  "
              f"mean {statistics.fmean(timings) * 1e6:7.1f} µs  p99 {p99 * 1e6:7.1f} µs  ({per_agent} evidence each)")


def database(agents: int, per_agent: int, rng: random.Random) -> None:
    from flask_migrate import upgrade

    from trainer import create_app
    from trainer.accounts import services as accounts
    from trainer.competency import services as competency
    from trainer.competency.models import Evidence
    from trainer.extensions import db
    from trainer.sync import sync_content

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "INSTANCE_PATH": folder,
            "SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        })
        with app.app_context():
            upgrade()
            sync_content(load_content(ROOT))
            ids = [i.id for g in competency.model_view().groups for i in g.indicators]
            users = [accounts.create_user(username=f"a{n}", password="bench-pass-2026", role="trainee", commit=False)
                     for n in range(agents)]
            db.session.flush()
            now = datetime(2026, 6, 1)
            db.session.execute(Evidence.__table__.insert(), [
                {"agent_id": u.id, "indicator_id": rng.choice(ids), "value": rng.uniform(30, 100),
                 "source_kind": "bench", "source_id": "", "recorded_at": now - timedelta(hours=k), "note": ""}
                for u in users for k in range(per_agent)
            ])
            db.session.commit()
            began = time.perf_counter()
            result = competency.profiles(users)
            elapsed = time.perf_counter() - began
            print(f"db    HR table of {len(result)} agents × {per_agent} evidence: {elapsed * 1000:.0f} ms "
                  f"({len(result) / elapsed:.0f} agents/s, one evidence query)")
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--evidence", type=int, default=120, help="evidence records per agent")
    parser.add_argument("--db-agents", type=int, default=500)
    args = parser.parse_args()
    rng = random.Random(7)
    pure(args.agents, args.evidence, rng)
    database(args.db_agents, args.evidence, rng)


if __name__ == "__main__":
    main()
