"""The `trainer` command: `flask` plus the platform's own commands (content, users, demo, backup).

`trainer score` is the one command that needs neither Flask nor the web app, and it is run on batches
where start-up counts: `main` runs it directly, without importing Flask, unless the Flask group has
something to add (an option before the command, or python-dotenv to read .env files with).
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click
import orjson

if TYPE_CHECKING:
    from flask import Flask


def register_commands(app: Flask) -> None:
    from .commands import (
        backup_command,
        content_group,
        demo_command,
        questions_group,
        restore_command,
        user_group,
    )

    app.cli.add_command(score_command)
    app.cli.add_command(content_group)
    app.cli.add_command(user_group)
    app.cli.add_command(questions_group)
    app.cli.add_command(demo_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


# --- score -------------------------------------------------------------------------------------------


def _json_line(result: dict) -> bytes:
    """One report as a JSON line. orjson writes a report in a fifth of the standard encoder's time (a third of
    a dense reply's whole cost was its writing); a lone surrogate from a JSON escape, which orjson refuses,
    falls back to the standard encoder with "replace" so that one odd line never aborts the run."""
    try:
        return orjson.dumps(result, option=orjson.OPT_APPEND_NEWLINE)
    except TypeError:  # orjson.JSONEncodeError: a str that is not valid UTF-8
        return (json.dumps(result, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8", "replace")


@click.command("score", help="为回复评分: 读入 JSON Lines (或 --format csv), 每条输出一行 JSON 评分报告。")
@click.option("--script", "script", default=None, help="默认话术类型 (每条记录可用 script 字段覆盖)")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, exists=True),
              help="规则目录 (默认 question_bank/phrases)")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.argument("source", type=click.Path(dir_okay=False, allow_dash=True), default="-")
def score_command(script: str | None, rules_dir: str | None, fmt: str, source: str) -> None:
    """Scoring needs the rule files, not the web app or the database: the app is never built for it."""
    import os
    from pathlib import Path

    from .config import default_content_root
    from .content.phrases import load_rules
    from .scoring.batch import score_csv, score_jsonl
    from .scoring.matcher import matcher_for
    from .scoring.segment import dictionary

    folder = Path(rules_dir) if rules_dir else default_content_root() / "question_bank" / "phrases"
    rules, errors = load_rules(folder)
    if rules is None:
        for error in errors:
            click.echo(str(error), err=True)
        sys.exit(2)
    if script is not None and script not in rules.scripts:
        raise click.BadParameter(f"unknown script type {script!r} (known: {', '.join(rules.scripts)})")
    matcher_for(rules)  # ready to score before the first line is read: the rules compiled, the word dictionary open
    dictionary()
    stream = sys.stdin.buffer if source == "-" else open(source, "rb")  # noqa: SIM115 - closed below
    failed = False
    try:
        size = os.fstat(stream.fileno()).st_size if source != "-" else 0
        show_bar = sys.stderr.isatty() and size > 512 * 1024
        with click.progressbar(length=size, file=sys.stderr, label="scoring") if show_bar else _NoBar() as bar:
            def lines():
                for raw in stream:
                    bar.update(len(raw))
                    yield raw

            results = score_csv(stream.read(), rules, script) if fmt == "csv" else score_jsonl(lines(), rules, script)
            out = sys.stdout.buffer
            for result in results:
                failed = failed or "error" in result
                out.write(_json_line(result))
            out.flush()
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    sys.exit(1 if failed else 0)


class _NoBar:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, _n: int) -> None:
        pass


def _create_app(*_args, **_kwargs) -> Flask:
    from .app import create_app

    return create_app()


def _score_directly(argv: list[str]) -> bool:
    """`trainer score …` as its own program when FlaskGroup would only add its start-up time to it.

    FlaskGroup adds two things before a command runs: its own options (which come before the command name,
    so `argv[1]` is then not "score") and reading .env/.flaskenv (only with python-dotenv installed).
    """
    if argv[1:2] != ["score"]:
        return False
    from importlib.util import find_spec

    return find_spec("dotenv") is None


def main() -> None:
    if _score_directly(sys.argv):
        score_command.main(args=sys.argv[2:], prog_name="trainer score")
        return
    from flask.cli import FlaskGroup

    group = FlaskGroup(create_app=_create_app, help="坐席培训与考核平台命令行 (Flask CLI 加平台自己的命令)。")
    group.add_command(score_command)  # found without loading the app (FlaskGroup looks at its own commands first)
    group(prog_name="trainer")
