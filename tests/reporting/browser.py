"""Headless Chromium driven over the DevTools protocol, for what a browser alone can tell.

The page is opened as a reader opens it (a file:// URL), with every http(s) request blocked, and the
browser reports every request it made, every failed one, every console message and exception; the test can
measure the laid-out page at a given width and print it to PDF as the browser's print dialog would.

Chromium is Debian's (scripts/system_deps.sh); the protocol is spoken with `websockets` (its sync client).
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class PageLog:
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)


class Browser:
    """One headless Chromium with a private profile; close() ends it."""

    def __init__(self) -> None:
        assert CHROMIUM, "chromium is not installed"
        self._profile = tempfile.mkdtemp(prefix="planwatch-chromium-")
        self._proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", "--remote-debugging-port=0", f"--user-data-dir={self._profile}",
             "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        url = self._devtools_url()
        self._stack = contextlib.ExitStack()
        self._ws: ClientConnection = self._stack.enter_context(connect(url, max_size=None, open_timeout=30))
        self._ids = itertools.count(1)
        self._events: list[dict[str, Any]] = []

    def _devtools_url(self) -> str:
        assert self._proc.stderr is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self._proc.stderr.readline()
            if m := re.search(r"DevTools listening on (ws://\S+)", line):
                return m.group(1)
            if not line and self._proc.poll() is not None:
                break
        raise RuntimeError("chromium did not start its DevTools endpoint")

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> Any:
        msg_id = next(self._ids)
        message: dict[str, Any] = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._ws.send(json.dumps(message))
        while True:
            reply = json.loads(self._ws.recv(timeout=120))
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._events.append(reply)

    def wait_for(self, event: str, session: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == event and e.get("sessionId") == session for e in self._events):
            if time.monotonic() > deadline:
                raise TimeoutError(event)
            self._events.append(json.loads(self._ws.recv(timeout=timeout)))

    def open(self, url: str, width: int = 1440, height: int = 900) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        # nothing leaves the machine: every http(s) request fails, and is then visible as a failure
        self.send("Network.setBlockedURLs", {"urls": ["http://*", "https://*", "ws://*", "wss://*"]}, session)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session,
        )
        self._events.clear()
        self.send("Page.navigate", {"url": url}, session)
        self.wait_for("Page.loadEventFired", session)
        time.sleep(0.5)  # scripts that run after load (Data Docs fills its tables then)
        self.send("Runtime.evaluate", {"expression": "1"}, session)  # collect the events sent meanwhile
        return Page(self, session, self._page_log(session))

    def _page_log(self, session: str) -> PageLog:
        log = PageLog()
        urls: dict[str, str] = {}
        for event in self._events:
            if event.get("sessionId") != session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Network.requestWillBeSent":
                log.requests.append(params["request"]["url"])
                urls[params["requestId"]] = params["request"]["url"]
            elif method == "Network.loadingFailed":
                reason = f"{params.get('errorText')} {params.get('blockedReason') or ''}".strip()
                log.failed.append(f"{urls.get(params['requestId'], '?')}: {reason}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in (
                "error",
                "warning",
                "assert",
            ):
                log.console.append(
                    " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
                )
            elif method == "Runtime.exceptionThrown":
                log.console.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                log.console.append(f"{params['entry']['text']} {params['entry'].get('url', '')}")
        return log

    def close(self) -> None:
        try:
            self._stack.close()
        finally:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
            shutil.rmtree(self._profile, ignore_errors=True)


@dataclass
class Page:
    browser: Browser
    session: str
    log: PageLog

    def evaluate(self, expression: str) -> Any:
        result = self.browser.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, self.session
        )
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def pdf(self) -> bytes:
        """The page printed as the browser prints it (the page's own @page size and margins)."""
        result = self.browser.send(
            "Page.printToPDF",
            {"printBackground": True, "preferCSSPageSize": True, "displayHeaderFooter": False},
            self.session,
        )
        return base64.b64decode(result["data"])


def pdf_pages(pdf: bytes) -> int:
    """How many pages a PDF has (its page objects; Chromium writes no compressed object streams for them)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def save_pdf(pdf: bytes, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf)
