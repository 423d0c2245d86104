"""The platform's own `trainer` commands that need the web app: content, users, questions, demo, backup.

Kept apart from trainer/cli.py so that `trainer score` starts without importing Flask (cli.py imports this
module only when the app's command group is built).
"""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from .content import ContentInvalid, load_content

# --- content -----------------------------------------------------------------------------------------


@click.group("content", help="检查或同步 courses/ 与 question_bank/ 下的内容文件。")
def content_group() -> None:
    pass


@content_group.command("check", help="校验全部内容文件, 逐条输出 path:line: message; 有问题时退出码为 1。")
@click.option("--root", type=click.Path(file_okay=False, exists=True), help="内容根目录 (默认为项目目录)")
@with_appcontext
def content_check(root: str | None) -> None:
    from pathlib import Path

    content = load_content(Path(root) if root else current_app.config["CONTENT_ROOT"])
    for error in content.errors:
        click.echo(str(error))
    if content.errors:
        click.echo(f"{len(content.errors)} problem(s) found", err=True)
        sys.exit(1)
    from .content.depth import thin_segments

    thin = thin_segments(content.courses)
    for warning in thin:
        click.echo(f"warning: {warning}")
    if thin:
        click.echo(f"{len(thin)} warning(s): segments too thin for self-study", err=True)
    click.echo("content OK", err=True)


@content_group.command("sync", help="校验并在一个事务里把内容写入数据库; 有任何问题则数据库保持不变。")
@click.option("--root", type=click.Path(file_okay=False, exists=True), help="内容根目录 (默认为项目目录)")
@with_appcontext
def content_sync(root: str | None) -> None:
    from pathlib import Path

    from .sync import sync_content

    content = load_content(Path(root) if root else current_app.config["CONTENT_ROOT"])
    try:
        report = sync_content(content)
    except ContentInvalid as exc:
        for error in exc.errors:
            click.echo(str(error))
        click.echo("sync refused: the database was not changed", err=True)
        sys.exit(1)
    for change in report.changes:
        click.echo(change)
    click.echo(f"content synced ({len(report.changes)} change(s))", err=True)


# --- questions ---------------------------------------------------------------------------------------


@click.group("questions", help="题库与 Moodle GIFT 文件、Excel 模板互通。")
def questions_group() -> None:
    pass


@questions_group.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--category", default="imported", show_default=True, help="GIFT 分类对应不上时放入的题目分类 id")
@click.option("--indicators", default="product_knowledge", show_default=True, help="题目考查的能力指标, 逗号分隔")
@click.option("--difficulty", type=click.IntRange(1, 5), default=3, show_default=True)
@with_appcontext
def questions_import(path: str, category: str, indicators: str, difficulty: int) -> None:
    """Import a Moodle GIFT file; unsupported questions are listed by line and skipped."""
    from pathlib import Path

    from sqlalchemy import select

    from .assessment.gift_import import import_gift
    from .assessment.models import QuestionCategory
    from .competency.services import model_view
    from .content.gift import GiftUnreadable
    from .extensions import db

    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        click.echo(f"{path}: cannot read the file ({exc.strerror})", err=True)
        sys.exit(1)
    except UnicodeDecodeError as exc:
        click.echo(f"{path}: not UTF-8 (byte {exc.start}); save the file as UTF-8 and try again", err=True)
        sys.exit(1)
    _content_first()
    if db.session.get(QuestionCategory, category) is None:
        categories = ", ".join(db.session.scalars(select(QuestionCategory.id).order_by(QuestionCategory.id)))
        raise click.BadParameter(f"unknown category {category!r}; known: {categories}", param_hint="--category")
    chosen = tuple(i.strip() for i in indicators.split(",") if i.strip())
    model = model_view()
    known = set(model.combined) if model else set()
    if not chosen or any(i not in known for i in chosen):
        raise click.BadParameter(f"indicators must be among: {', '.join(sorted(known))}", param_hint="--indicators")
    try:
        report = import_gift(text, source=Path(path).name, default_category=category, indicators=chosen,
                             difficulty=difficulty, max_questions=current_app.config["GIFT_MAX_QUESTIONS"])
    except GiftUnreadable as exc:
        click.echo(f"{path}:{exc.line}: {exc}", err=True)
        sys.exit(1)
    for skip in report.skipped:
        click.echo(f"{path}:{skip.line}: skipped: {skip.reason}")
    click.echo(report.summary)


@questions_group.command("export")
@click.option("--category", default=None, help="只导出这个分类")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="写入文件 (默认标准输出)")
@with_appcontext
def questions_export(category: str | None, output: str | None) -> None:
    """Write the question bank as a Moodle GIFT file."""
    from pathlib import Path

    from .assessment.gift_import import export_gift

    text = export_gift(category)
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


def _content_first() -> None:
    """A fresh database has no categories for imported questions to go in: load the checked-in content first."""
    from pathlib import Path

    from sqlalchemy import func, select

    from .assessment.models import QuestionCategory
    from .extensions import db
    from .sync import sync_content

    if db.session.scalar(select(func.count()).select_from(QuestionCategory)):
        return
    root = Path(current_app.config["CONTENT_ROOT"])
    click.echo(f"the database has no content yet: loading it from {root} first (trainer content sync)")
    try:
        sync_content(load_content(root))
    except ContentInvalid as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        click.echo("fix the content above, run `trainer content sync`, then import again", err=True)
        sys.exit(1)


@questions_group.command("import-xlsx")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def questions_import_xlsx(path: str) -> None:
    """Import an Excel workbook in the template's layout; any bad row refuses the whole file (every row listed)."""
    from pathlib import Path

    from .assessment.xlsx_import import XlsxRefused, import_xlsx
    from .content.xlsx_bank import MAX_ROWS

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        click.echo(f"{path}: cannot read the file ({exc.strerror})", err=True)
        sys.exit(1)
    _content_first()
    try:
        report = import_xlsx(data, source=Path(path).name,
                             max_rows=int(current_app.config.get("XLSX_MAX_QUESTIONS", MAX_ROWS)))
    except XlsxRefused as exc:
        for error in exc.errors:
            click.echo(f"{path}: {error}")
        click.echo("import refused: nothing was stored", err=True)
        sys.exit(1)
    click.echo(report.summary)


@questions_group.command("export-xlsx")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@click.option("--category", default=None, help="只导出这个分类")
@with_appcontext
def questions_export_xlsx(out: str, category: str | None) -> None:
    """Write the question bank (or one category) as an Excel workbook in the import template's layout."""
    from pathlib import Path

    from sqlalchemy import select

    from .assessment.models import QuestionCategory
    from .assessment.xlsx_import import export_xlsx
    from .extensions import db

    if category is not None and db.session.get(QuestionCategory, category) is None:
        known = ", ".join(db.session.scalars(select(QuestionCategory.id).order_by(QuestionCategory.id)))
        raise click.BadParameter(f"unknown category {category!r}; known: {known}", param_hint="--category")
    Path(out).write_bytes(export_xlsx(category))
    click.echo(f"wrote {out}")


# --- users -------------------------------------------------------------------------------------------


@click.group("user", help="管理用户账号与 API 令牌。")
def user_group() -> None:
    pass


@user_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["trainee", "supervisor", "hr", "admin"]), required=True)
@click.option("--name", "display_name", default="", help="显示姓名")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def user_create(username: str, role: str, display_name: str, password: str) -> None:
    """Create a user (the password is asked for unless given)."""
    from .accounts import services

    if len(password) < current_app.config["PASSWORD_MIN_LENGTH"]:
        raise click.UsageError(f"password must be at least {current_app.config['PASSWORD_MIN_LENGTH']} characters")
    try:
        user = services.create_user(username=username, password=password, role=role, display_name=display_name)
    except services.AccountError as err:
        raise click.ClickException(f"username {err.values.get('username')} is taken") from err
    click.echo(f"created {user.username} ({user.role})")


@user_group.command("token")
@click.argument("username")
@with_appcontext
def user_token(username: str) -> None:
    """Issue a new API token for USERNAME and print it (the previous token stops working)."""
    from .accounts import services

    user = services.get_user(username)
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    if not user.active:
        raise click.ClickException(f"user {username!r} is disabled")
    click.echo(services.issue_api_token(user))


@user_group.command("list")
@with_appcontext
def user_list() -> None:
    """List users with role, team and status."""
    from .accounts import services

    for user in services.all_users():
        team = user.team.name if user.team else "-"
        status = "active" if user.active else "disabled"
        click.echo(f"{user.username}\t{user.role}\t{team}\t{status}")


# --- demo --------------------------------------------------------------------------------------------


@click.command("demo", help="创建演示账号和一个带历史记录的学员团队 (仅用于演示); 加 --agents N 则生成"
                             "规模测试用的大公司 (N 名学员, 每人 --evidence M 条证据)。")
@click.option("--if-empty", is_flag=True, help="数据库里已有用户时什么也不做")
@click.option("--agents", type=click.IntRange(1, 99_999), default=None,
              help="生成规模测试公司: 学员人数 (每 10 人一个团队, 各有一名主管)")
@click.option("--evidence", type=click.IntRange(0, 5_000), default=None,
              help="规模测试公司每名学员的证据条数 (近 12 个月内, 默认 200)")
@with_appcontext
def demo_command(if_empty: bool, agents: int | None, evidence: int | None) -> None:
    """The story demo by default; `--agents` makes the large generated company instead (trainer/demo/company.py)."""
    from .demo import DEMO_PASSWORD, create_demo, has_users

    if evidence is not None and agents is None:
        raise click.UsageError("--evidence needs --agents")
    if agents is not None and not (if_empty and has_users()):
        _scale_company(agents, 200 if evidence is None else evidence, DEMO_PASSWORD)
        return
    if if_empty and has_users():
        click.echo("database already has users; demo data not added")
    else:
        summary = create_demo()
        click.echo(summary)
    click.echo(f"demo accounts (password {DEMO_PASSWORD}, demo only): "
               "demo-trainee, demo-supervisor, demo-hr, demo-admin")


def _scale_company(agents: int, evidence: int, password: str) -> None:
    """Generate the company with progress on stderr (five thousand agents take a while to write)."""
    import time

    from .demo.company import HR_USERNAME, create_company

    began = time.perf_counter()

    def progress(done: int, total: int) -> None:
        click.echo(f"  {done}/{total} agents ({time.perf_counter() - began:.0f} s)", err=True)

    summary = create_company(agents, evidence, password=password, progress=progress)
    click.echo(f"{summary} in {time.perf_counter() - began:.1f} s")
    click.echo(f"scale accounts (password {password}, demo only): {HR_USERNAME}, lead-0001…, agent-00001…")


# --- backup and restore ------------------------------------------------------------------------------


@click.command("backup", help="把整个数据库备份到 FILE: SQLite 用在线备份 API (应用运行时也安全), PostgreSQL 用 "
                               "pg_dump 自定义格式; 先写临时文件, 完成后才改名为 FILE。")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="覆盖已存在的 FILE")
@with_appcontext
def backup_command(file: str, force: bool) -> None:
    """Back the configured database up into FILE (trainer/backup.py says how and why)."""
    from pathlib import Path

    from .backup import BackupError, Refused, backup_database
    from .extensions import db

    try:
        result = backup_database(db.engine.url, Path(file), force=force)
    except BackupError as exc:
        click.echo(f"backup {'refused' if isinstance(exc, Refused) else 'failed'}: {exc}", err=True)
        sys.exit(1)
    click.echo(result.summary)


@click.command("restore", help="用 FILE (trainer backup 的结果) 替换数据库的全部内容; 数据库里已有数据时须加 --force。")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="数据库不是空的也照样覆盖")
@with_appcontext
def restore_command(file: str, force: bool) -> None:
    """Restore FILE into the configured database; refuses a file of the wrong kind and, without --force, a
    database that holds data."""
    from pathlib import Path

    from .backup import BackupError, Refused, restore_database
    from .extensions import db

    db.session.remove()  # no transaction of this process may stay open while the tables are replaced
    try:
        result = restore_database(db.engine, Path(file), force=force)
    except BackupError as exc:
        click.echo(f"restore {'refused' if isinstance(exc, Refused) else 'failed'}: {exc}", err=True)
        sys.exit(1)
    for line in result.lines:
        click.echo(line)
