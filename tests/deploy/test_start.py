"""deploy/start.sh for real: two Streamlit processes behind HAProxy, sticky sessions, cached and compressed
static files, a small load through the proxy, and Ctrl-C stopping everything it started.

Needs HAProxy (`apt-get install haproxy`); skips with that reason without it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tools import loadtest

ROOT = Path(__file__).resolve().parents[2]
START = ROOT / "deploy" / "start.sh"


def _haproxy() -> str | None:
    return shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.access("/usr/sbin/haproxy", os.X_OK) else None)


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _ports(n: int) -> list[int]:
    """n free ports: a public one, a status one, then n - 2 consecutive ones for the processes."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + n < 65535 and all(_free(base + i) for i in range(n)):
            return [base + i for i in range(n)]
    raise RuntimeError("no run of free ports")


def _get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(req, timeout=20) as r:
        return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()


@pytest.fixture
def deployed(tmp_path):
    if _haproxy() is None:
        pytest.skip("haproxy is not installed (apt-get install haproxy)")
    public, stats, base, _ = _ports(4)
    run_dir = tmp_path / "run"
    proc = subprocess.Popen(
        [str(START), "--port", str(public), "--bind", "127.0.0.1", "--processes", "2"]
        + ["--base-port", str(base), "--stats-port", str(stats), "--run-dir", str(run_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as in a terminal
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl-C" in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        if not ready.wait(90):
            pytest.fail("start.sh did not come up in 90 s:\n" + "".join(lines))
        yield proc, f"http://127.0.0.1:{public}", run_dir
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_two_processes_behind_a_sticky_caching_proxy(deployed):
    proc, url, run_dir = deployed
    pids = [int(p) for p in (run_dir / "streamlit.pids").read_text().split()]
    assert len(pids) == 2 and all(Path(f"/proc/{p}").exists() for p in pids)
    cfg = (run_dir / "haproxy.cfg").read_text()
    assert cfg.count("\n    server st") == 2
    assert (run_dir / "warm.log").read_text().count("warmed up http://127.0.0.1:") == 2  # each process served once

    # the proxy inserts its cookie; with it every request reaches the same process
    status, headers, body = _get(url + "/")
    assert status == 200 and b"<html" in body.lower()
    assert headers["set-cookie"].startswith("OPTVIZ_SRV=st")
    for srv in ("st1", "st2"):
        served = {_get(url + "/_stcore/health", {"Cookie": f"OPTVIZ_SRV={srv}"})[1]["x-served-by"] for _ in range(6)}
        assert served == {srv}

    # Streamlit's static JavaScript: gzip from the proxy, and the second time from its cache
    asset = next(a for a in body.decode().split('"') if a.startswith("./static/js/") and a.endswith(".js"))[1:]
    s1, h1, b1 = _get(url + asset, {"Accept-Encoding": "gzip"})
    s2, h2, _ = _get(url + asset, {"Accept-Encoding": "gzip"})
    assert s1 == s2 == 200 and h1.get("content-encoding") == "gzip" and "age" in h2
    raw = _get(url + asset)[2]
    assert len(b1) < 0.6 * len(raw)

    # real sessions through the proxy: both processes used, every websocket on its page's process
    out = run_dir / "lt.json"
    argv = ["--url", url, "--sessions", "4", "--moves", "1", "--think", "0.2", "--ramp", "2", "--after", "0"]
    argv += ["--warmup", "0", "--timeout", "240", "--pid-file", str(run_dir / "streamlit.pids"), "--json", str(out)]
    assert loadtest.main(argv) == 0
    r = json.loads(out.read_text())
    assert r["sessions_ok"] == 4 and r["not_sticky"] == 0
    assert set(r["served_by"]) == {"st1", "st2"}
    assert r["server_pids"] == pids and r["cpu_per_run_s"] > 0

    # Ctrl-C stops every process it started
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 130
    assert time.monotonic() - t0 < 20
    time.sleep(0.5)
    assert not [p for p in pids if Path(f"/proc/{p}").exists()]
    assert not (run_dir / "streamlit.pids").exists()


def test_bad_options_say_so_in_one_line(tmp_path):
    out = subprocess.run([str(START), "--processes", "zero"], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert out.returncode == 2
    assert out.stderr.strip() == "start.sh: --processes must be a number, got 'zero'"
