"""Open a local HTML file in headless Chromium over the DevTools protocol (a pipe; no dependency).

`load(path, screenshot)` reports console messages, uncaught exceptions and
log errors (a failed resource load is one), measures every ``svg.plot`` (its
size and how many of its marks have a non-empty box) and saves a full-page
screenshot. Chromium reads protocol messages on fd 3 and answers on fd 4, each
a JSON object closed by a NUL byte (``--remote-debugging-pipe``).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

BINARIES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

MEASURE = """JSON.stringify([...document.querySelectorAll('svg.plot')].map(svg => {
  const r = svg.getBoundingClientRect();
  const marks = [...svg.querySelectorAll('rect.bar, path.line, circle.point')];
  const drawn = marks.filter(m => { const b = m.getBBox(); return b.width > 0 || b.height > 0; }).length;
  return {label: svg.getAttribute('aria-label'), width: r.width, height: r.height,
          marks: marks.length, drawn: drawn, section: svg.closest('section')?.id};
}))"""


def find_chromium() -> str | None:
    for name in BINARIES:
        path = shutil.which(name)
        if path:
            return path
    return None


class _Pipe:
    def __init__(self, proc: subprocess.Popen, to_browser: int, from_browser: int) -> None:
        self.proc, self.w, self.r = proc, to_browser, from_browser
        self.buf = b""
        self.next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 30.0) -> dict:
        self.next_id += 1
        msg: dict = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        while True:
            m = self._read(timeout)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method: str, timeout: float = 30.0) -> dict:
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        while True:
            m = self._read(timeout)
            if m.get("method") == method:
                return m
            self.events.append(m)

    def _read(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.r], [], [], left)[0]:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise RuntimeError(f"chromium closed the pipe (exit {self.proc.poll()})")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)


def load(html: Path, screenshot: Path, *, width: int = 1280, binary: str | None = None, slices: int = 0) -> dict:
    """Open `html`, wait for load, and return {"errors": [...], "console": [...], "plots": [...], "title": ...}.

    The full page goes to `screenshot`; with `slices`, also its first `slices` screens of 1,600 pixels to
    ``<stem>-1.png`` ... (easier to look at than one very tall image).
    """
    binary = binary or find_chromium()
    if binary is None:
        raise FileNotFoundError("no chromium binary")
    to_child_r, to_child_w = os.pipe()
    from_child_r, from_child_w = os.pipe()
    # the child's ends, moved above fd 9 so that putting them on fds 3 and 4 in the child clobbers neither
    child_r = fcntl.fcntl(to_child_r, fcntl.F_DUPFD_CLOEXEC, 10)
    child_w = fcntl.fcntl(from_child_w, fcntl.F_DUPFD_CLOEXEC, 10)
    for fd in (to_child_r, from_child_w):
        os.close(fd)
    profile = tempfile.mkdtemp(prefix="thresher-chromium-")
    args = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
            "--remote-debugging-pipe", f"--user-data-dir={profile}", f"--window-size={width},900", "about:blank"]

    def fds_3_and_4() -> None:  # in the child: fd 3 reads our commands, fd 4 carries the answers
        os.dup2(child_r, 3)
        os.dup2(child_w, 4)

    # close_fds=False keeps the inheritable fds 3 and 4; every other fd Python opens is non-inheritable
    proc = subprocess.Popen(args, close_fds=False, preexec_fn=fds_3_and_4,  # noqa: PLW1509
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(child_r)
    os.close(child_w)
    pipe = _Pipe(proc, to_child_w, from_child_r)
    try:
        target = pipe.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            pipe.send(f"{domain}.enable", session=session)
        pipe.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": 900, "deviceScaleFactor": 1,
                                                         "mobile": False}, session=session)
        pipe.send("Page.navigate", {"url": html.resolve().as_uri()}, session=session)
        pipe.wait_event("Page.loadEventFired")
        plots = json.loads(pipe.send("Runtime.evaluate", {"expression": MEASURE, "returnByValue": True},
                                     session=session)["result"]["value"])
        title = pipe.send("Runtime.evaluate", {"expression": "document.title", "returnByValue": True},
                          session=session)["result"]["value"]
        size = pipe.send("Page.getLayoutMetrics", session=session)["cssContentSize"]
        shot = pipe.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                    "clip": {"x": 0, "y": 0, "width": size["width"],
                                                             "height": size["height"], "scale": 1}},
                         session=session, timeout=60)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        for k in range(min(slices, int(size["height"] // 1600) + 1)):
            part = pipe.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": {
                "x": 0, "y": 1600 * k, "width": size["width"], "height": min(1600, size["height"] - 1600 * k),
                "scale": 1}}, session=session, timeout=60)
            screenshot.with_name(f"{screenshot.stem}-{k + 1}.png").write_bytes(base64.b64decode(part["data"]))
        time.sleep(0.2)  # let late console messages arrive
        with contextlib.suppress(RuntimeError, TimeoutError):
            pipe.send("Runtime.evaluate", {"expression": "1"}, session=session)
        errors, console = [], []
        for e in pipe.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled":
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
                console.append(f"{p.get('type')}: {text}")
                if p.get("type") in ("error", "assert"):
                    errors.append(text)
            elif m == "Runtime.exceptionThrown":
                errors.append(json.dumps(p.get("exceptionDetails", {}))[:500])
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                errors.append(f"{p['entry'].get('source')}: {p['entry'].get('text')} {p['entry'].get('url', '')}")
        return {"errors": errors, "console": console, "plots": plots, "title": title, "size": size}
    finally:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            pipe.send("Browser.close", timeout=5)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        os.close(to_child_w)
        os.close(from_child_r)
        shutil.rmtree(profile, ignore_errors=True)
