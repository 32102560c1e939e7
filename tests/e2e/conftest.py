"""Browser tests: a real uvicorn server on a free port, driven by Debian's Chromium.

The server runs the demo data on the test database with the system clock (codes and
TOTP are checked against real time) and ``base_url`` set to its own address, so the
OAuth redirects of the development identity provider come back to it.
"""

from __future__ import annotations

import importlib
import importlib.util
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from espace_sante import demo as demo_data
from espace_sante.app import create_app
from espace_sante.bootstrap import Container, build
from espace_sante.settings import Settings
from tests.e2e.axe import AUDITS
from tests.web.pages import include_once, with_pages

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
STEP_TIMEOUT_MS = 5_000
# Routers of the sign-in for professionals, included here until app.py includes them.
OPTIONAL_ROUTERS = ("espace_sante.web.dev_idp", "espace_sante.web.pro_login",
                    "espace_sante.api.oauth")


@dataclass(frozen=True)
class LiveServer:
    url: str
    container: Container


def with_all_routes(app: FastAPI) -> FastAPI:
    with_pages(app)
    for name in OPTIONAL_ROUTERS:
        if importlib.util.find_spec(name) is not None:
            include_once(app, importlib.import_module(name).router)
    return app


@pytest.fixture
def live_server(db_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    settings = Settings(data_dir=tmp_path / "var", database_url=db_url, base_url=url,
                        run_worker_in_process=False)
    c = build(settings)  # SystemClock: the browser lives in real time
    demo_data.load(c)
    config = uvicorn.Config(with_all_routes(create_app(c)), host="127.0.0.1", port=port,
                            log_level="warning", ws="none", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield LiveServer(url, c)
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    c.engine.dispose()


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium` (never `playwright "
                    "install`, which downloads a browser build of its own)")
    with sync_playwright() as p:
        expect.set_options(timeout=STEP_TIMEOUT_MS)
        yield p


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                         args=CHROMIUM_ARGS, timeout=30_000)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # bypass_csp: axe is injected as an inline script, which our CSP rightly refuses.
    context = browser.new_context(bypass_csp=True, locale="fr-FR",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(STEP_TIMEOUT_MS)
    context.set_default_navigation_timeout(2 * STEP_TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not AUDITS:
        return
    terminalreporter.section("axe-core")
    for audit in AUDITS:
        found = ", ".join(audit.rules) or "no violation"
        terminalreporter.write_line(f"{audit.url}: {found}")
