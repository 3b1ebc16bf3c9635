// Playback and layout for the Trajectories view (a Streamlit components-v2 module: it runs in the page, no
// iframe). Everything here happens in the browser, with no server round trip:
//  - play / pause / step / scrub the animation frames of the charts (window.Plotly.animate, promises caught:
//    Plotly rejects the promise of an interrupted animation, which its own Pause button left uncaught);
//  - a step cursor on the metric curves follows the frames;
//  - keys: Space play/pause, ← → one frame, Home / End, 1–9 the lessons of the header row;
//  - the map fills its column: its height is set so the plot area keeps the window's aspect (equal x/y scale)
//    and fits in the viewport;
//  - the settled step (after a pause, a step, a scrub) is reported to Python (state "step"), debounced;
//  - with the step inspector on (data.overlay), the vectors of the shown step are drawn on the map: see
//    makeOverlay below, the one part of this file that knows about them.
export default function (component) {
  const { data, parentElement, setStateValue } = component;
  const d = data || {};
  const root = parentElement.querySelector(".pl-root");
  if (!root) return;
  const Plotly = window.Plotly;
  const frames = d.frames || [];
  const steps = d.steps || [];
  const n = frames.length;
  const L = d.labels || {};
  let cur = Math.min(Math.max(d.active ?? n - 1, 0), Math.max(n - 1, 0));
  const chartDiv = (key) => document.querySelector(`.st-key-${key} .js-plotly-plot`);
  // the step inspector: the shown step survives this bar being mounted again (a layer or run switched)
  const ov = makeOverlay(d.overlay, chartDiv);
  if (ov && d.active == null) cur = nearestFrame(steps, ov.remembered(), cur);
  let speedIdx = d.speed_index ?? 2;
  let playing = false;
  let reportTimer = null;
  const cleanups = [];

  const $ = (sel) => root.querySelector(sel);
  const btnPlay = $(".pl-play"), range = $(".pl-range"), stepBox = $(".pl-step"), total = $(".pl-total");
  btnPlay.textContent = "▶ " + (L.play || "Play");
  $(".pl-first").title = L.first || "First step";
  $(".pl-prev").title = L.prev || "Previous step";
  $(".pl-next").title = L.next || "Next step";
  $(".pl-last").title = L.last || "Last step";
  $(".pl-steplabel").textContent = L.step || "step";
  range.max = String(Math.max(n - 1, 0));
  total.textContent = "/ " + (steps.length ? steps[steps.length - 1] : 0);
  const speedBox = $(".pl-speeds");
  speedBox.innerHTML = "";
  (d.speed_labels || []).forEach((lab, i) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "pl-speed" + (i === speedIdx ? " on" : "");
    b.textContent = lab;
    b.onclick = () => {
      speedIdx = i;
      speedBox.querySelectorAll(".pl-speed").forEach((x, k) => x.classList.toggle("on", k === i));
      if (playing) { pause(false); play(); }
    };
    speedBox.appendChild(b);
  });

  // a chart whose frames need a full redraw (the 3-D view: WebGL draws no partial frame) says so in its
  // layout.meta.redraw; the frames of the others touch only their path traces (redraw: false, fast)
  const animated = () => (d.charts || []).map(chartDiv).filter((g) => g && g._transitionData).map((g) => {
    if (g.layout && g.layout.meta && g.layout.meta.redraw) g.dataset.redraw = "1";
    return g;
  });
  const cursorKeys = [...(d.cursors || []), ...((d.overlay && d.overlay.cursors) || [])];

  function show(i, report = true) {
    cur = Math.min(Math.max(i, 0), n - 1);
    range.value = String(cur);
    stepBox.value = String(steps[cur] ?? cur);
    cursor(steps[cur]);
    remember(steps[cur]);
    if (ov) ov.draw(steps[cur]);
    if (report) scheduleReport();
  }

  function cursor(step) {
    for (const key of cursorKeys) {
      const g = chartDiv(key);
      if (!g || !Plotly || !g._fullLayout) continue;
      const shapes = (g.layout.shapes || []).map((s) =>
        s.name === "step-cursor" ? { ...s, x0: step, x1: step, visible: true } : s);
      Plotly.relayout(g, { shapes }).catch(() => {});
    }
  }

  function scheduleReport() {
    clearTimeout(reportTimer);
    reportTimer = setTimeout(() => {
      if (!playing) setStateValue("step", steps[cur] ?? cur);
    }, d.report_ms ?? 350);
  }

  function goto(i) {
    if (!n || !Plotly) return;
    pause(false);
    const target = Math.min(Math.max(i, 0), n - 1);
    for (const g of animated()) {
      Plotly.animate(g, [frames[target]], {
        frame: { duration: 0, redraw: g.dataset.redraw === "1" }, transition: { duration: 0 }, mode: "immediate",
      }).catch(() => {});
    }
    show(target);
  }

  function play() {
    if (!n || !Plotly) return;
    if (cur >= n - 1) show(0, false);
    playing = true;
    btnPlay.textContent = "❚❚ " + (L.pause || "Pause");
    const ms = (d.speed_ms || [])[speedIdx] ?? 80;
    const rest = frames.slice(cur + 1);
    const gs = animated();
    gs.forEach((g, k) => {
      Plotly.animate(g, rest, {
        frame: { duration: ms, redraw: g.dataset.redraw === "1" }, transition: { duration: 0 }, mode: "immediate",
      }).then(() => { if (k === 0 && playing) { playing = false; btnPlay.textContent = "▶ " + (L.play || "Play"); show(n - 1); } })
        .catch(() => {});
    });
  }

  function pause(report = true) {
    if (!playing) return;
    playing = false;
    btnPlay.textContent = "▶ " + (L.play || "Play");
    for (const g of animated()) {
      Plotly.animate(g, [], { mode: "immediate" }).catch(() => {});
    }
    if (report) scheduleReport();
  }

  // the first animated chart drives the step display while playing
  function follow() {
    const g = animated()[0];
    if (!g || !g.on) return;
    const onFrame = (ev) => {
      const name = ev && ev.name;
      const i = frames.indexOf(name);
      if (i >= 0) {
        cur = i; range.value = String(i); stepBox.value = String(steps[i] ?? i); cursor(steps[i]);
        if (ov) ov.draw(steps[i]);
      }
    };
    g.on("plotly_animatingframe", onFrame);
    cleanups.push(() => g.removeListener && g.removeListener("plotly_animatingframe", onFrame));
  }

  btnPlay.onclick = () => (playing ? pause() : play());
  $(".pl-first").onclick = () => goto(0);
  $(".pl-prev").onclick = () => goto(cur - 1);
  $(".pl-next").onclick = () => goto(cur + 1);
  $(".pl-last").onclick = () => goto(n - 1);
  range.oninput = () => goto(Number(range.value));
  stepBox.onchange = () => {
    const want = Number(stepBox.value);
    let best = 0;
    steps.forEach((s, i) => { if (Math.abs(s - want) < Math.abs(steps[best] - want)) best = i; });
    goto(best);
  };

  // keys: not while typing in a field
  const onKey = (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    const tag = (t && t.tagName) || "";
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(tag) && !(t.classList && t.classList.contains("pl-range"))) return;
    if (t && t.isContentEditable) return;
    if (e.key === " " || e.code === "Space") { e.preventDefault(); playing ? pause() : play(); }
    else if (e.key === "ArrowRight") { e.preventDefault(); goto(cur + 1); }
    else if (e.key === "ArrowLeft") { e.preventDefault(); goto(cur - 1); }
    else if (e.key === "Home") { e.preventDefault(); goto(0); }
    else if (e.key === "End") { e.preventDefault(); goto(n - 1); }
    else if (/^[1-9]$/.test(e.key)) {
      const buttons = document.querySelectorAll('.st-key-lessons_row [class*="st-key-lesson_"] button');
      const b = buttons[Number(e.key) - 1];
      if (b) { e.preventDefault(); b.click(); }
    }
  };
  document.addEventListener("keydown", onKey);
  cleanups.push(() => document.removeEventListener("keydown", onKey));

  // The map fills its column and the viewport. Streamlit sizes a chart from Python, so the browser measures
  // (the map column's width, the viewport's height, where the map starts, the plot margins, the main column)
  // and reports it when it differs from what the server last used (d.box); Python sets the heights.
  function measure() {
    const f = d.fit;
    if (!f) return;
    const g = chartDiv(f.chart);
    if (!g || !g._fullLayout) return;
    const box = g.closest('[data-testid="stElementContainer"]') || g.parentElement;
    const main = document.querySelector('[data-testid="stMainBlockContainer"]');
    const cs = main ? getComputedStyle(main) : null;
    const s = g._fullLayout._size;
    const now = {
      w: Math.round(box.getBoundingClientRect().width),
      vh: window.innerHeight,
      top: Math.round(g.getBoundingClientRect().top + window.scrollY),
      ml: Math.round(s.l), mr: Math.round(s.r), mt: Math.round(s.t), mb: Math.round(s.b),
      main: main ? Math.round(main.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight)) : 0,
      dpr: window.devicePixelRatio || 1,
    };
    const was = d.box || {};
    const off = (a, b, tol) => !(a > 0 && b > 0) || Math.abs(a - b) > tol;
    if (off(now.w, was.w, Math.max(4, 0.02 * now.w)) || off(now.vh, was.vh, 8) || off(now.top, was.top, 12) ||
        off(now.mr, was.mr, 4) || off(now.main, was.main, 8)) {
      setStateValue("box", now);
    }
  }
  const fit = measure;
  let fitTimer = null;
  const onResize = () => { clearTimeout(fitTimer); fitTimer = setTimeout(fit, 120); };
  window.addEventListener("resize", onResize);
  cleanups.push(() => window.removeEventListener("resize", onResize));
  // charts may appear after this component (Streamlit renders top to bottom): retry briefly
  let tries = 0;
  const ready = setInterval(() => {
    tries += 1;
    const g = animated()[0] || (d.fit && chartDiv(d.fit.chart));
    if (g && g._fullLayout) {
      clearInterval(ready); fit(); follow();
      if (ov) {
        ov.attach();
        // the charts may show another frame than the bar (a new scene shows its last): bring them to it
        if (cur !== n - 1) {
          for (const c of animated()) {
            Plotly.animate(c, [frames[cur]], {
              frame: { duration: 0, redraw: c.dataset.redraw === "1" }, transition: { duration: 0 }, mode: "immediate",
            }).catch(() => {});
          }
        }
      }
      show(cur, false);
    }
    if (tries > 100) clearInterval(ready);
  }, 50);
  cleanups.push(() => clearInterval(ready));
  show(cur, false);

  return () => { pause(false); clearTimeout(reportTimer); cleanups.forEach((c) => c()); if (ov) ov.detach(); };
}

// The shown step, kept across mounts of the bar (the inspector restores it when a layer or run is switched).
function remember(step) {
  (window.__optvizInspector = window.__optvizInspector || {}).step = step;
}

function nearestFrame(steps, want, fallback) {
  if (want == null || !steps.length) return fallback;
  let best = 0;
  steps.forEach((s, i) => { if (Math.abs(s - want) < Math.abs(steps[best] - want)) best = i; });
  return best;
}

// ============================================================================ the step inspector's overlay
// What the inspector draws on the map at the shown step (data from viz/inspector.py overlay_data: the vectors
// of every step as float32 arrays): for each run and start, arrows from θ_{t−1} (layout annotations) for
// −η·g, the velocity, Δθ and the weight-decay pull, Nesterov's look-ahead point (a dotted line and a ring) and
// the effective learning rate as a rectangle (layout shapes). Everything it adds is named "insp…"; the rest of
// the layout is left alone. Drawn lengths follow the zoom (rules in viz/inspector.py): a run's arrows share a
// round scale that keeps the longest readable, a too-short arrow gets its own, and a scale other than 1 is
// written beside the arrow ("×40"). Redrawn on every shown step (stepping, scrubbing, playback), on zoom, and
// after Streamlit redraws the chart.
function makeOverlay(ov, chartDiv) {
  if (!ov || !window.Plotly || !Array.isArray(ov.runs)) return null;
  const Plotly = window.Plotly;
  const R = ov.rules || {};
  const dim = ov.dim || 2;
  const store = (window.__optvizInspector = window.__optvizInspector || {});
  const decode = (v) => {
    if (!v || typeof v.bdata !== "string") return new Float32Array(0);
    const bin = atob(v.bdata), buf = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
    return v.dtype === "f8" ? new Float64Array(buf.buffer) : new Float32Array(buf.buffer);
  };
  const runs = ov.runs.map((r) => {
    const layers = {};
    for (const [k, v] of Object.entries(r.layers || {})) layers[k] = decode(v);
    const out = { ...r, points: decode(r.points), layers, loss: r.loss ? decode(r.loss) : null };
    const e = layers.eff_lr;  // the run's 90th-percentile rate sets its rectangles' scale, once for every step
    if (e) {
      const big = [];
      for (let i = 0; i + dim - 1 < e.length; i += dim) {
        let m = 0;
        for (let k = 0; k < dim; k++) m = Math.max(m, Math.abs(e[i + k]));
        if (Number.isFinite(m) && m > 0) big.push(m);
      }
      big.sort((a, b) => a - b);
      out.q90 = big.length ? big[Math.min(big.length - 1, Math.floor(0.9 * big.length))] : 0;
    }
    return out;
  });
  const layers = ov.layers || [];
  const ours = (x) => typeof (x && x.name) === "string" && x.name.startsWith("insp");
  const round = (ratio, up) => {  // a round scale (1, 2, 5 × 10^k): the smallest ≥ ratio (up) or largest ≤ it
    if (!(ratio > 0) || !Number.isFinite(ratio)) return 1;
    const k = Math.floor(Math.log10(ratio)), ms = [1, 2, 5, 10];
    if (up) { for (const m of ms) if (m * 10 ** k >= ratio * (1 - 1e-12)) return m * 10 ** k; return 10 ** (k + 1); }
    for (let j = ms.length - 1; j >= 0; j--) if (ms[j] * 10 ** k <= ratio * (1 + 1e-12)) return ms[j] * 10 ** k;
    return 10 ** (k - 1) * 5;
  };
  const fmtScale = (s) => (s >= 1e-3 && s < 1e5 ? String(Number(s.toPrecision(2))) : s.toExponential(0));
  let last = null, drawn = 0, gd = null;
  const listeners = [];

  function draw(step) {
    last = step;
    store.step = step;
    const g = chartDiv(ov.chart);
    if (!g || !g._fullLayout || !g._fullLayout.xaxis || !g.layout) return;
    const xa = g._fullLayout.xaxis, ya = g._fullLayout.yaxis;
    const mx = Math.abs(xa._m), my = Math.abs(ya._m);
    if (!(mx > 0) || !(my > 0)) return;
    const side = Math.min(xa._length, ya._length);
    const anns = [], shapes = [], placed = [];
    const t = Math.round(step);
    for (const r of runs) {
      if (!(t >= 1 && t <= r.steps)) continue;
      const B = r.starts;
      for (let b = 0; b < B; b++) {
        const i0 = ((t - 1) * B + b) * dim;
        const ox = r.points[i0];
        const oy = dim === 2 ? r.points[i0 + 1] : (r.loss ? r.loss[(t - 1) * B + b] : NaN);
        if (!Number.isFinite(ox) || !Number.isFinite(oy)) continue;
        const vecs = [];
        for (const L of layers) {
          const a = r.layers[L.id];
          if (!a || L.kind === "rect") continue;
          const vx = a[i0], vy = dim === 2 ? a[i0 + 1] : 0;
          if (!Number.isFinite(vx) || !Number.isFinite(vy)) continue;
          const px = Math.hypot(vx * mx, vy * my);
          if (!(px > 0)) continue;
          vecs.push({ L, vx, vy, px });
        }
        const longest = Math.max(0, ...vecs.map((v) => v.px));
        let s = 1;
        if (longest > 0 && longest < R.min_px) s = round(R.min_px / longest, true);
        else if (longest > R.max_frac * side) s = round((R.max_frac * side) / longest, false);
        const heads = [];  // arrows that end at the same pixel share one label ("−ηg = Δθ")
        for (const v of vecs) {
          const own = v.px * s < R.solo_px ? round(R.solo_to_px / v.px, true) : s;
          const hx = ox + own * v.vx, hy = oy + own * v.vy;
          const tag = `${v.L.id}:${r.run}:${b}`;
          const sym = (r.symbols && r.symbols[v.L.id]) || v.L.id;
          if (v.L.kind === "point") {
            shapes.push({ name: `insp:${tag}`, type: "line", xref: "x", yref: "y", x0: ox, y0: oy, x1: hx, y1: hy,
              line: { color: v.L.color, width: 2, dash: "dot" }, layer: "above" });
            shapes.push({ name: `insp-ring:${tag}`, type: "circle", xref: "x", yref: "y", xsizemode: "pixel",
              ysizemode: "pixel", xanchor: hx, yanchor: hy, x0: -5, x1: 5, y0: -5, y1: 5,
              line: { color: v.L.color, width: 2 }, fillcolor: "rgba(255,255,255,0.85)", layer: "above" });
          } else {
            anns.push({ name: `insp:${tag}`, x: hx, y: hy, ax: ox, ay: oy, xref: "x", yref: "y", axref: "x",
              ayref: "y", showarrow: true, arrowhead: 2, arrowsize: 1, arrowwidth: v.L.id === "step" ? 3.2 : 2.2,
              arrowcolor: v.L.color, standoff: 0, startstandoff: 0, text: "", opacity: 0.95,
              captureevents: false });
          }
          const text = own === 1 ? sym : `${sym} ×${fmtScale(own)}`;
          const same = heads.find((h) => Math.hypot((h.hx - hx) * mx, (h.hy - hy) * my) < 4);
          if (same) { same.text += " = " + text; continue; }
          heads.push({ tag, hx, hy, text, color: v.L.color, dx: v.vx * mx, dy: v.vy * my });
        }
        for (const h of heads) {
          // beyond the head, along the arrow; moved down past labels already placed where they would overlap
          const n = Math.hypot(h.dx, h.dy) || 1;
          let px = xa.l2p(xa.d2l(h.hx)) + (10 * h.dx) / n, py = ya.l2p(ya.d2l(h.hy)) - (10 * h.dy) / n;
          const w = 7.2 * h.text.replace(/<[^>]+>/g, "").length + 6, hgt = 17;
          const left = h.dx >= 0 ? px : px - w;
          for (let k = 0; k < 6 && placed.some((q) => left < q.x + q.w && q.x < left + w && py - hgt / 2 < q.y + q.h / 2 && q.y - q.h / 2 < py + hgt / 2); k++) py += hgt;
          placed.push({ x: left, y: py, w, h: hgt });
          anns.push({ name: `insp-label:${h.tag}`, x: xa.p2d(px), y: ya.p2d(py), xref: "x", yref: "y",
            showarrow: false, text: h.text, xanchor: h.dx >= 0 ? "left" : "right", yanchor: "middle",
            font: { size: 13, color: h.color, family: ov.font }, bgcolor: "rgba(255,255,255,0.78)", borderpad: 1,
            captureevents: false });
        }
        const e = r.layers.eff_lr;
        if (e && layers.some((L) => L.id === "eff_lr") && r.q90 > 0) {
          const L = layers.find((x) => x.id === "eff_lr");
          const ex = e[i0], ey = dim === 2 ? e[i0 + 1] : 0;
          if (Number.isFinite(ex) && Number.isFinite(ey)) {
            const k = round((R.rect_frac * side) / (r.q90 * Math.max(mx, my)), false);
            const hx = (k * ex) / 2, hy = dim === 2 ? (k * ey) / 2 : 6 / my;
            shapes.push({ name: `insp:eff_lr:${r.run}:${b}`, type: "rect", xref: "x", yref: "y",
              x0: ox - hx, x1: ox + hx, y0: oy - hy, y1: oy + hy, line: { color: L.color, width: 2 },
              fillcolor: "rgba(217,142,4,0.12)", layer: "above" });
            anns.push({ name: `insp-label:eff_lr:${r.run}:${b}`, x: ox + hx, y: oy - hy, xref: "x", yref: "y",
              showarrow: false, text: `η<sub>eff</sub> ×${fmtScale(k)}`, xanchor: "left", yanchor: "top",
              xshift: 2, font: { size: 11, color: L.color, family: ov.font }, bgcolor: "rgba(255,255,255,0.72)",
              captureevents: false });
          }
        }
      }
    }
    const had = drawn;
    drawn = anns.length + shapes.length;
    if (!drawn && !had && !(g.layout.annotations || []).some(ours) && !(g.layout.shapes || []).some(ours)) return;
    Plotly.relayout(g, {
      annotations: [...(g.layout.annotations || []).filter((a) => !ours(a)), ...anns],
      shapes: [...(g.layout.shapes || []).filter((x) => !ours(x)), ...shapes],
    }).catch(() => {});
  }

  function clear() {
    const g = chartDiv(ov.chart);
    if (!g || !g.layout || !window.Plotly) return;
    const a = g.layout.annotations || [], s = g.layout.shapes || [];
    if (!a.some(ours) && !s.some(ours)) return;
    Plotly.relayout(g, { annotations: a.filter((x) => !ours(x)), shapes: s.filter((x) => !ours(x)) }).catch(() => {});
  }

  function attach() {
    const g = chartDiv(ov.chart);
    if (!g || !g.on || g === gd) return;
    gd = g;
    const onZoom = (ev) => {
      if (last !== null && ev && Object.keys(ev).some((k) => /^(xaxis|yaxis|autosize|width|height)/.test(k))) draw(last);
    };
    const onPlot = () => {  // Streamlit drew the chart again: put the overlay back
      const lay = g.layout || {};
      if (last !== null && drawn && !(lay.annotations || []).some(ours) && !(lay.shapes || []).some(ours)) draw(last);
    };
    g.on("plotly_relayout", onZoom);
    g.on("plotly_afterplot", onPlot);
    listeners.push(() => { g.removeListener("plotly_relayout", onZoom); g.removeListener("plotly_afterplot", onPlot); });
  }

  return {
    draw, attach,
    remembered: () => store.step,
    detach: () => { listeners.forEach((f) => f()); listeners.length = 0; gd = null; clear(); },
  };
}
