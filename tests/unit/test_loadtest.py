"""tools/loadtest.py without a Streamlit server: the browser's widget rules, slider moves, and deadlines."""

from __future__ import annotations

import random
import socket
import threading
import time

from streamlit.proto.ButtonGroup_pb2 import ButtonGroup
from streamlit.proto.Checkbox_pb2 import Checkbox
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Selectbox_pb2 import Selectbox
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState

from tools import loadtest
from tools.loadtest import browser_value, next_value, quantiles, state_key


def _select_slider(set_value: bool) -> Slider:
    el = Slider(id="s", type=Slider.SELECT_SLIDER, options=["0.001", "0.002", "0.005"], default=[1])
    if set_value:
        el.set_value = True
        el.raw_value.append("0.005")
    return el


def test_select_slider_sends_option_strings():
    assert state_key(browser_value("slider", _select_slider(False), None)) == ("s", "string_array_value", '["0.002"]')
    assert state_key(browser_value("slider", _select_slider(True), None)) == ("s", "string_array_value", '["0.005"]')


def test_a_value_the_browser_holds_survives_unless_the_app_sets_one():
    held = WidgetState(id="s")
    held.string_array_value.data.append("0.001")
    assert browser_value("slider", _select_slider(False), held) is held
    assert state_key(browser_value("slider", _select_slider(True), held))[2] == '["0.005"]'


def test_number_inputs_send_int_or_double_by_data_type():
    steps = NumberInput(id="n", data_type=NumberInput.INT, default=1, value=500, set_value=True)
    x = NumberInput(id="x", data_type=NumberInput.FLOAT, default=0.0)
    assert state_key(browser_value("number_input", steps, None)) == ("n", "int_value", "500")
    assert state_key(browser_value("number_input", x, None)) == ("x", "double_value", "0.0")
    assert browser_value("number_input", NumberInput(id="e", data_type=NumberInput.FLOAT), None) is None


def test_selectbox_checkbox_and_segmented_control():
    sb = Selectbox(id="a", options=["SGD", "Adam"], default=0)
    assert state_key(browser_value("selectbox", sb, None)) == ("a", "string_value", '"SGD"')
    sb.set_value, sb.raw_value = True, "Adam"
    assert state_key(browser_value("selectbox", sb, None)) == ("a", "string_value", '"Adam"')
    assert state_key(browser_value("checkbox", Checkbox(id="c", default=True), None)) == ("c", "bool_value", "true")
    bg = ButtonGroup(id="g", default=[1])
    bg.options.add(content="Move start")
    bg.options.add(content="Add start")
    assert state_key(browser_value("button_group", bg, None)) == ("g", "string_array_value", '["Add start"]')


def test_buttons_and_charts_send_nothing_until_used():
    assert browser_value("button", Checkbox(id="b"), None) is None
    assert browser_value("plotly_chart", Checkbox(id="p"), None) is None


def test_next_value_moves_within_the_options():
    opts = [str(i) for i in range(10)]
    rng = random.Random(1)
    for cur in ("0", "5", "9"):
        for _ in range(50):
            v = next_value(opts, cur, rng)
            assert v != cur and abs(int(v) - int(cur)) <= 3
    assert next_value(opts, "4", rng, step=1) == "5"
    assert next_value(opts, "9", rng, step=1) == "8"  # at the end: the other way
    assert next_value(opts, "0", rng, step=-2) == "2"


def test_quantiles():
    assert quantiles([]) is None
    assert quantiles([3.0, 1.0, 2.0]) == (2.0, 3.0, 3.0)
    med, p90, mx = quantiles([float(i) for i in range(1, 11)])
    assert (med, p90, mx) == (5.5, 9.0, 10.0)


def test_a_server_that_never_answers_does_not_hang_the_test(capsys):
    """A listener that accepts connections and never answers: the test reports errors and returns in time."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    port = srv.getsockname()[1]
    conns: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conns.append(srv.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    t0 = time.monotonic()
    try:
        argv = ["--url", f"http://127.0.0.1:{port}", "--sessions", "3", "--warmup", "0", "--after", "0"]
        rc = loadtest.main([*argv, "--op-timeout", "2", "--timeout", "6", "--pids", "0"])
    finally:
        stop.set()
        t.join(5)
        for c in conns:
            c.close()
        srv.close()
    took = time.monotonic() - t0
    out = capsys.readouterr().out
    assert rc == 1 and took < 20, took
    assert "errors            : 3" in out and "GET /" in out
