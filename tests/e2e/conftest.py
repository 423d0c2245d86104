"""A live server on a fresh demo database, and Debian's Chromium driven by Playwright.

Browsers cannot be downloaded here, so Playwright launches the system Chromium; the tests skip
(with the reason) only when that binary is missing. CI installs it, so there they always run.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import BASE_CONFIG, POSTGRES_URL, _prepare, content_with_fixtures, fresh_pg_database
from trainer import create_app

CHROMIUM = os.environ.get("TRAINER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


LIVE: dict = {}


def new_trainee(username: str, team: str = "客服一组") -> str:
    """A fresh trainee on the live server (demo trainees already have history), password demo-pass-2026."""
    from trainer.accounts import services as accounts

    with LIVE["app"].app_context():
        group = next(t for t in accounts.all_teams() if t.name == team)
        accounts.create_user(username=username, password="demo-pass-2026", role="trainee", team=group,
                             display_name=username)
    return username


@pytest.fixture(scope="session")
def live_server(database_template, tmp_path_factory):
    """Serve the app (with `trainer demo` data) on a free localhost port in a background thread.

    On PostgreSQL the server has a database of its own: it lives for the whole run, while the web tests that
    share a worker with it empty the worker's database after each test.
    """
    folder = tmp_path_factory.mktemp("live")
    if POSTGRES_URL:
        uri = fresh_pg_database(POSTGRES_URL, "live")
        _prepare(uri, folder, snapshot=False)
    else:
        shutil.copyfile(database_template, folder / "live.sqlite3")
        uri = f"sqlite:///{folder / 'live.sqlite3'}"
    content = content_with_fixtures(folder / "content")
    app = create_app({**BASE_CONFIG, "TESTING": False, "SQLALCHEMY_DATABASE_URI": uri, "INSTANCE_PATH": folder,
                      "CONTENT_ROOT": content})
    with app.app_context():
        from trainer.content import load_content
        from trainer.demo import create_demo
        from trainer.sync import sync_content

        sync_content(load_content(content))  # the repository's content plus the small test course
        create_demo()
    server = make_server("127.0.0.1", 0, _closed_before_sending(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    LIVE["app"] = app
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        from trainer.extensions import db

        db.engine.dispose()


def _closed_before_sending(app):
    """Read each response whole and close it before werkzeug's development server touches the socket.

    When the browser drops a connection (a navigation cancels a favicon request), the server's clean-up
    can fail on the dead socket before it closes the response, leaving the static file open; the
    ResourceWarning then surfaces in whichever test runs next. Responses here are small, so buffering
    them costs nothing and makes that leak impossible.
    """

    def buffered(environ, start_response):
        iterable = app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()

    return buffered


#: console messages of the current test that report a blocked script or style (Content-Security-Policy)
CSP_VIOLATIONS: list[str] = []


class PolicedBrowser:
    """The Chromium browser, with every context reporting Content-Security-Policy violations.

    A handler or script the policy blocks fails silently in the page; collecting the console's
    reports turns that into a failed test (see `_no_csp_violations`).
    """

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        context.on("console", self._console)
        return context

    @staticmethod
    def _console(message) -> None:
        if "Content Security Policy" in message.text:
            CSP_VIOLATIONS.append(message.text)

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium chromium-driver)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield PolicedBrowser(instance)
        instance.close()


@pytest.fixture(autouse=True)
def _no_csp_violations():
    """Every browser test also checks that the page ran with nothing blocked by the security policy."""
    CSP_VIOLATIONS.clear()
    yield
    assert CSP_VIOLATIONS == [], "blocked by Content-Security-Policy: " + "; ".join(CSP_VIOLATIONS)


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def sign_in(page, base_url: str, username: str, password: str = "demo-pass-2026") -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
