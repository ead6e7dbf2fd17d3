"""Tap-to-cart on the cashier page: from a product tile's click to the cart showing the new total, measured in
the browser (Debian's Chromium through Playwright) against a demo register agent on loopback. Baseline: a bare
``fetch('/healthz')`` round trip from the same page, so the ratio says what the order API and the redraw add.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOKEN = "demo-device-token"
TAPS = 60
WARMUP = 5
GOAL_P95_MS = 100.0
PRODUCTS = ("Чизкейк", "Сырники", "Вода 0,5 л", "Лимонад", "Чай чёрный")

# One tap: click the tile, resolve when the total's text changes (the cart has been redrawn from the answer).
_TAP_JS = """
async (name) => {
  const tile = [...document.querySelectorAll('#grid .tile')].find(t => t.querySelector('.name').textContent === name);
  const total = document.getElementById('total');
  const before = total.textContent;
  return await new Promise((resolve) => {
    const obs = new MutationObserver(() => {
      if (total.textContent !== before) { obs.disconnect(); resolve(performance.now() - t0); }
    });
    obs.observe(total, { childList: true, characterData: true, subtree: true });
    const t0 = performance.now();
    tile.click();
  });
}
"""
_FETCH_JS = """
async () => { const t0 = performance.now(); const r = await fetch('/healthz', {cache: 'no-store'}); await r.text();
  return performance.now() - t0; }
"""


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_agent(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("YAGO_EDGE")}
    env.update({"YAGO_EDGE__APP__HOST": "127.0.0.1", "YAGO_EDGE__APP__DEVICE_TOKEN": TOKEN})
    yago = Path(sys.executable).with_name("yago")
    log = (workdir / "agent.log").open("wb")
    proc = subprocess.Popen(
        [str(yago), "edge", "run", "--demo", "--port", str(port), "--data-dir", str(workdir / "data")],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=workdir,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"agent exited: {(workdir / 'agent.log').read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise TimeoutError("agent did not start")


def _open_shift(url: str) -> None:
    with httpx.Client(base_url=f"{url}/api/v1", headers={"X-Device-Token": TOKEN}, timeout=30) as client:
        token = client.post("/sessions/", json={"pin": "2222"}).json()["data"]["token"]
        headers = {"X-Session-Token": token}
        if not client.get("/shifts/current", headers=headers).json().get("data"):
            client.post("/shifts/open", json={"float": 0}, headers=headers).raise_for_status()


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp:
        proc, url = _start_agent(Path(tmp))
        try:
            _open_shift(url)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
                page.goto(f"{url}/pos")
                page.fill("#login-pin", "1111")
                page.press("#login-pin", "Enter")
                page.locator("#grid .tile").first.wait_for()
                taps: list[float] = []
                fetches: list[float] = []
                for i in range(WARMUP + TAPS):
                    if i and i % 10 == 0:
                        page.keyboard.press("F9")  # a fresh order now and then, as at the counter
                    tap_ms = float(page.evaluate(_TAP_JS, PRODUCTS[i % len(PRODUCTS)]))
                    fetch_ms = float(page.evaluate(_FETCH_JS))
                    if i >= WARMUP:
                        taps.append(tap_ms)
                        fetches.append(fetch_ms)
                browser.close()
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    tap_p95, fetch_p95 = _p95(taps), _p95(fetches)
    print(f"tap-to-cart over {TAPS} taps (Chromium, loopback, demo register)")
    print(
        f"  tap → cart updated : p50 {statistics.median(taps):6.1f} ms   p95 {tap_p95:6.1f} ms   max {max(taps):6.1f} ms"
    )
    print(f"  baseline fetch     : p50 {statistics.median(fetches):6.1f} ms   p95 {fetch_p95:6.1f} ms  (GET /healthz)")
    print(f"  ratio p95 tap / p95 fetch: {tap_p95 / fetch_p95:.1f}x")
    print(f"  goal p95 ≤ {GOAL_P95_MS:.0f} ms: {'met' if tap_p95 <= GOAL_P95_MS else 'NOT met'}")


if __name__ == "__main__":
    main()
