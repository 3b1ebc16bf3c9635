"""The classroom server settings (.streamlit/config.toml) are in effect, and the limits hold on a real server."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from tools.browser import _stop, start_server
from tools.loadtest import Session, run_async

ROOT = Path(__file__).resolve().parents[2]

EXPECTED = {
    "server.maxUploadSize": 1,
    "server.maxWidgetStateSize": 1,
    "server.fileWatcherType": "none",
    "server.enableXsrfProtection": True,
    "server.enableCORS": True,
    "client.showErrorDetails": "type",
    "runner.postScriptGC": False,
}


def test_streamlit_reads_the_classroom_settings():
    """Through Streamlit's own config loader, from the repository root (a misspelt key would be ignored)."""
    code = (
        "import json; from streamlit import config; config.get_config_options(force_reparse=True); "
        f"print(json.dumps({{k: [config.get_option(k), config.get_where_defined(k)] for k in {list(EXPECTED)!r}}}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    for key, value in EXPECTED.items():
        assert got[key][0] == value, key
        assert got[key][1].endswith(".streamlit/config.toml"), (key, got[key][1])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc, url = start_server(ROOT / "app.py", tmp_path_factory.mktemp("srv") / "streamlit.log")
    yield url
    _stop(proc)


def test_an_upload_over_1_mb_is_refused_before_the_app_sees_it(server):
    async def probe() -> list[int]:
        s = Session(server, "", op_timeout=60, deadline=time.monotonic() + 120)
        await s.connect()
        try:
            await s.ws.send(s._rerun_msg([]))
            sid = ""
            while not sid:
                m = ForwardMsg()
                m.ParseFromString(await asyncio.wait_for(s.ws.recv(), 60))
                if m.WhichOneof("type") == "new_session":
                    sid = m.new_session.initialize.session_id
            token = next(c.value for c in s.jar if c.name == "_streamlit_xsrf")
            codes = []
            for size in (500_000, 1_500_000):
                body = (
                    b'--b\r\nContent-Disposition: form-data; name="file"; filename="scene.json"\r\n'
                    b"Content-Type: application/json\r\n\r\n" + b"x" * size + b"\r\n--b--\r\n"
                )
                req = urllib.request.Request(
                    f"{server}/_stcore/upload_file/{sid}/f1",
                    data=body,
                    method="PUT",
                    headers={
                        "X-Xsrftoken": token,
                        "Cookie": s._cookie_header(),
                        "Content-Type": "multipart/form-data; boundary=b",
                    },
                )
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        codes.append(r.status)
                except urllib.error.HTTPError as e:
                    codes.append(e.code)
            return codes
        finally:
            await s.close()

    assert run_async(probe) == [204, 413]


def test_a_widget_frame_over_1_mb_closes_that_websocket_only(server):
    async def probe() -> tuple[int | None, bool]:
        s = Session(server, "", op_timeout=60, deadline=time.monotonic() + 120)
        await s.connect()
        try:
            huge = WidgetState(id="x")
            huge.string_value = "y" * 1_500_000
            await s.ws.send(s._rerun_msg([huge]))
            try:
                while True:
                    await asyncio.wait_for(s.ws.recv(), 30)
            except Exception:
                pass
            code = s.ws.close_code
        finally:
            await s.close()
        other = Session(server, "", op_timeout=60, deadline=time.monotonic() + 120)  # the server is fine
        try:
            _first, _fin, run = await other.first_load()
        finally:
            await other.close()
        return code, bool(run.chart_ids)

    assert run_async(probe) == (1009, True)
