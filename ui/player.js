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
//    makeOverlay below, the one part of this file that knows about them;
//  - with data.per_step ({last: S}: the inspector on) the bar has one position per step 0 … S instead of one per
//    animation frame: the map's frame for a step is built when it is shown (stepFrame below) and handed to
//    Plotly.animate as a frame object, never added as a named frame; playback is a timer here that advances
//    as many steps per tick as the frames did (same pace); ← → Home End and the step field move by exactly one
//    step / to exactly the typed step. Side charts with frames of their own (3-D, data) show their latest
//    frame at or before the step.
export default function (component) {
  const { data, parentElement, setStateValue } = component;
  const d = data || {};
  const root = parentElement.querySelector(".pl-root");
  if (!root) return;
  const Plotly = window.Plotly;
  const frames = d.frames || [];
  const steps = d.steps || [];
  const ps = d.per_step && d.per_step.last >= 0 ? d.per_step : null;  // one bar position per step 0 … last
  const n = ps ? ps.last + 1 : frames.length;
  const stepOf = (i) => (ps ? i : (steps[i] ?? i));
  const lastStep = ps ? ps.last : (steps.length ? steps[steps.length - 1] : 0);
  const L = d.labels || {};
  const opening = ps && d.active != null ? (steps[d.active] ?? n - 1) : d.active;  // d.active: a frame index
  let cur = Math.min(Math.max(opening ?? n - 1, 0), Math.max(n - 1, 0));
  const chartDiv = (key) => document.querySelector(`.st-key-${key} .js-plotly-plot`);
  holdCharts([...(d.charts || []), ...(d.cursors || [])]);  // hold.js: no blank chart while a rerun replaces one
  const ov = makeOverlay(d.overlay, chartDiv);
  // The shown step survives this bar being mounted again on the same scene (a rerun that changed its data:
  // the inspector's layers, a side view, the step it reported); a new scene starts at d.active (a link's
  // step=, the blindfold's first step) or else at its last step.
  const shown = window.__optvizInspector || {};
  if (d.scene && shown.scene === d.scene) {
    cur = ps ? (shown.step == null ? cur : Math.min(Math.max(Math.round(shown.step), 0), n - 1))
      : nearestFrame(steps, shown.step, cur);
  }
  let speedIdx = d.speed_index ?? 2;
  let playing = false;
  let reportTimer = null;
  let playTimer = null;
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
  total.textContent = "/ " + lastStep;
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
    lazyFrames(g);
    return g;
  });
  watchLazyFrames();
  const cursorKeys = [...(d.cursors || []), ...((d.overlay && d.overlay.cursors) || [])];

  function show(i, report = true) {
    cur = Math.min(Math.max(i, 0), n - 1);
    range.value = String(cur);
    stepBox.value = String(stepOf(cur));
    cursor(stepOf(cur));
    reveal(cur === n - 1);
    remember(stepOf(cur), d.scene);
    if (ov) ov.draw(stepOf(cur));
    if (report) scheduleReport();
  }

  // The blindfolded explorer (viz/blindfold.py): the surface picture and the minima appear only at the end.
  let revealed = null;
  // A lesson's open question (d.hold_sides): the side views (loss curves, 3-D) would show the answer before
  // the animation does — they appear once the bar reaches the last step.
  // Once the bar has reached the last step of this scene, they stay (stepping back to discuss keeps them).
  function holdSides(atEnd) {
    if (!d.hold_sides) return;
    const seen = (window.__optvizSidesShown = window.__optvizSidesShown || {});
    if (atEnd) seen[d.scene] = true;
    const show = atEnd || seen[d.scene] === true;
    for (const key of [...(d.charts || []).slice(1), ...cursorKeys]) {
      const el = document.querySelector(`.st-key-${key}`);
      if (el) el.style.visibility = show ? "" : "hidden";
    }
  }

  function reveal(atEnd) {
    holdSides(atEnd);
    const g = chartDiv((d.charts || [])[0]);
    if (!g || !Plotly || !g.layout || !g.layout.meta || !g.layout.meta.blindfold || revealed === atEnd) return;
    revealed = atEnd;
    const n_images = (g.layout.images || []).length;
    const update = {};
    for (let k = 0; k < n_images; k++) update[`images[${k}].visible`] = atEnd;
    Plotly.relayout(g, update).catch(() => {});
    const stars = g.data.map((t, k) => (t.meta && t.meta.role === "minimum" ? k : -1)).filter((k) => k >= 0);
    if (stars.length) Plotly.restyle(g, { visible: atEnd }, stars).catch(() => {});
    // the side views would give the surface away (the loss curves' final dips, the 3-D surface): hidden too
    for (const key of [...(d.charts || []).slice(1), ...cursorKeys]) {
      const el = document.querySelector(`.st-key-${key}`);
      if (el) el.style.visibility = atEnd ? "" : "hidden";
    }
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
      if (!playing) setStateValue("step", { step: stepOf(cur), scene: d.scene ?? "" });
    }, d.report_ms ?? 350);
  }

  // the frame bar position i shows on chart g: a frame name, or (per step) a frame object built now
  function frameFor(g, i) {
    if (!ps) return frames[i];
    if (g.__lazyStatic) {
      const f = stepFrame(g, i, ov ? ov.exact() : null);
      if (f) return f;
    }
    let k = 0;  // a chart with frames of its own: its latest frame at or before the step
    for (let j = 0; j < steps.length && j < frames.length; j++) if (steps[j] <= i) k = j;
    return frames[k];
  }

  function drawAt(i) {
    for (const g of animated()) {
      const f = frameFor(g, i);
      if (f === undefined) continue;
      if (typeof f === "string") {  // a named frame: only when it changes (a 3-D redraw is slow)
        if (g.__plShown === f) continue;
        g.__plShown = f;
      } else g.__plShown = null;
      Plotly.animate(g, [f], {
        frame: { duration: 0, redraw: g.dataset.redraw === "1" }, transition: { duration: 0 }, mode: "immediate",
      }).catch(() => {});
    }
  }

  function goto(i) {
    if (!n || !Plotly) return;
    pause(false);
    const target = Math.min(Math.max(i, 0), n - 1);
    if (ps) drawAt(target);
    else {
      for (const g of animated()) {
        Plotly.animate(g, [frames[target]], {
          frame: { duration: 0, redraw: g.dataset.redraw === "1" }, transition: { duration: 0 }, mode: "immediate",
        }).catch(() => {});
      }
    }
    show(target);
  }

  function play() {
    if (!n || !Plotly) return;
    if (cur >= n - 1) show(0, false);
    playing = true;
    btnPlay.textContent = "❚❚ " + (L.pause || "Pause");
    const ms = (d.speed_ms || [])[speedIdx] ?? 80;
    if (ps) {  // per step: a tick every `ms`, as many steps as a frame of the plain bar covers (same pace)
      const per = Math.max(1, Math.round(ps.last / Math.max(frames.length - 1, 1)));
      const tick = () => {
        if (!playing) return;
        const next = Math.min(cur + per, n - 1);
        drawAt(next);
        show(next, false);
        if (next >= n - 1) {
          playing = false;
          btnPlay.textContent = "▶ " + (L.play || "Play");
          scheduleReport();
        } else playTimer = setTimeout(tick, ms);
      };
      playTimer = setTimeout(tick, 0);
      return;
    }
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
    clearTimeout(playTimer);
    if (!ps) {
      for (const g of animated()) {
        Plotly.animate(g, [], { mode: "immediate" }).catch(() => {});
      }
    }
    if (report) scheduleReport();
  }

  // the first animated chart drives the step display while playing
  function follow() {
    if (ps) return;  // per step, the bar's own timer plays
    const g = animated()[0];
    if (!g || !g.on) return;
    const onFrame = (ev) => {
      const name = ev && ev.name;
      const i = frames.indexOf(name);
      if (i >= 0) {
        cur = i; range.value = String(i); stepBox.value = String(steps[i] ?? i); cursor(steps[i]); reveal(i === n - 1);
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
    if (ps) { if (Number.isFinite(want)) goto(Math.round(want)); else show(cur, false); return; }
    let best = 0;
    steps.forEach((s, i) => { if (Math.abs(s - want) < Math.abs(steps[best] - want)) best = i; });
    goto(best);
  };

  // keys: not while typing in a field
  const onKey = (e) => {
    if (!root.isConnected) { window.removeEventListener("keydown", onKey, true); return; }  // an unmounted bar
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    const tag = (t && t.tagName) || "";
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(tag) && !(t.classList && t.classList.contains("pl-range"))) return;
    if (t && t.isContentEditable) return;
    // a focused widget keeps its keys: ← → on the lr slider move the slider, not the bar (and not both)
    const role = (t && t.getAttribute && t.getAttribute("role")) || "";
    if (/^(slider|radio|tab|option|listbox|combobox|spinbutton|menuitem|switch|checkbox)$/.test(role)) return;
    if (e.key === " " || e.code === "Space") { e.preventDefault(); playing ? pause() : play(); }
    else if (e.key === "ArrowRight") { e.preventDefault(); goto(cur + 1); }
    else if (e.key === "ArrowLeft") { e.preventDefault(); goto(cur - 1); }
    else if (e.key === "Home") { e.preventDefault(); goto(0); }
    else if (e.key === "End") { e.preventDefault(); goto(n - 1); }
    else if (/^[1-9]$/.test(e.key)) {
      const buttons = document.querySelectorAll('.st-key-lessons_row [class*="st-key-lesson_"]:not(.st-key-lesson_group) button');
      const b = buttons[Number(e.key) - 1];
      if (b) { e.preventDefault(); b.click(); }
    }
  };
  // capture phase: the page's scroll container handles Home / End / Space itself and would otherwise get them first
  // One key handler per page: a bar mounted again (new data) replaces the previous one's handler even when
  // that one's cleanup did not run, so a key press moves one step, never two.
  if (window.__plKeyHandler) window.removeEventListener("keydown", window.__plKeyHandler, true);
  window.__plKeyHandler = onKey;
  window.addEventListener("keydown", onKey, true);
  cleanups.push(() => {
    window.removeEventListener("keydown", onKey, true);
    if (window.__plKeyHandler === onKey) window.__plKeyHandler = null;
  });

  // The map fills its column and the viewport. Streamlit sizes a chart from Python, so the browser measures
  // (the map column's width, the viewport's height, where the map starts, the plot margins, the main column)
  // and reports it when it differs from what the server last used (d.box); Python sets the heights.
  function measure() {
    const f = d.fit;
    if (!f) return;
    const g = chartDiv(f.chart);
    if (!g || !g._fullLayout) return;
    const box = g.closest('[data-testid="stElementContainer"]') || g.parentElement;
    const scroller = document.querySelector('[data-testid="stMain"]');
    const main = document.querySelector('[data-testid="stMainBlockContainer"]');
    const cs = main ? getComputedStyle(main) : null;
    const s = g._fullLayout._size;
    const now = {
      w: Math.round(box.getBoundingClientRect().width),
      vh: window.innerHeight,
      // on the page, whatever its scroll (Streamlit scrolls its main area, not the window)
      top: Math.round(g.getBoundingClientRect().top + window.scrollY + (scroller ? scroller.scrollTop : 0)),
      ml: Math.round(s.l), mr: Math.round(s.r), mt: Math.round(s.t), mb: Math.round(s.b),
      main: main ? Math.round(main.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight)) : 0,
      dpr: window.devicePixelRatio || 1,
      below: below(box),
    };
    const was = d.box || {};
    const off = (a, b, tol) => !(a > 0 && b > 0) || Math.abs(a - b) > tol;
    if (off(now.w, was.w, Math.max(4, 0.02 * now.w)) || off(now.vh, was.vh, 8) || off(now.top, was.top, 12) ||
        off(now.mr, was.mr, 4) || off(now.main, was.main, 8) || Math.abs(now.below - (was.below || 0)) > 16 ||
        drawnDue) {
      drawnDue = false;
      clearTimeout(drawnTimer);
      setStateValue("box", now);
    }
  }
  // A session's first run (d.report_drawn): the sidebar waits for this report, so it is sent once the map is
  // drawn even when the box did not change — and after 8 s whatever happened, so the controls always come.
  let drawnDue = !!d.report_drawn;
  const drawnTimer = drawnDue ? setTimeout(() => { if (drawnDue) { drawnDue = false; setStateValue("box", { ...(d.box || {}) }); } }, 8000) : null;
  cleanups.push(() => clearTimeout(drawnTimer));
  // Stacked columns (a narrow window) with the step inspector on: how far below the map the step's numbers end
  // (the bar, the toggle, the head line and the rule with its values come first under the map: ui/inspector.py),
  // so that Python leaves them room in the viewport; 0 otherwise (side by side, the panel is beside the map).
  function below(mapBox) {
    if (!ov) return 0;
    const nums = document.querySelector(".st-key-insp_numbers") || document.querySelector(".st-key-inspector .insp-head");
    if (!nums) return 0;
    const m = mapBox.getBoundingClientRect(), r = nums.getBoundingClientRect(), bar = root.getBoundingClientRect();
    if (bar.top < m.bottom - 4) return 0;  // the bar is beside the map, not under it
    return Math.max(0, Math.round(r.bottom - m.bottom + 8));
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
      for (const c of animated()) c.__plShown = null;  // a chart drawn again shows its own data, not a frame
      if (ov) { const t1 = setTimeout(fit, 900), t2 = setTimeout(fit, 2500); cleanups.push(() => { clearTimeout(t1); clearTimeout(t2); }); }
      if (ov) ov.attach();
      if (cur !== n - 1) goto(cur); else show(cur, false);  // a view that starts at the first step
    }
    if (tries > 100) clearInterval(ready);
  }, 50);
  cleanups.push(() => clearInterval(ready));
  show(cur, false);

  return () => { pause(false); clearTimeout(reportTimer); cleanups.forEach((c) => c()); if (ov) ov.detach(); };
}

// ============================================================================ frames sent as references
// A chart built with lazy frames (viz/animation.py) carries its frames in layout.meta.lazy_frames as references
// to its own static traces (the whole paths): {cut: [c_b…], k} = the first c_b rows of each start's segment (the
// segments are separated by NaN rows) of the trace the entry animates; {pick: [rows], run, k} = those rows of
// the run's path trace (an end marker). Expanded here into ordinary Plotly frames (Plotly.addFrames), once per
// figure Streamlit draws, before anything plays them; the static arrays are read from gd.data right after
// Plotly drew the figure (frames replace gd.data's arrays while they play).
const TYPED = { f8: Float64Array, f4: Float32Array, i4: Int32Array, u4: Uint32Array, i2: Int16Array,
  u2: Uint16Array, i1: Int8Array, u1: Uint8Array };

function columns(v) {  // a trace array → {a: flat values, w: values per row}
  if (v == null) return null;
  if (ArrayBuffer.isView(v)) return { a: v, w: 1 };
  if (Array.isArray(v)) {
    if (v.length && Array.isArray(v[0])) {
      const w = v[0].length, a = new Float64Array(v.length * w);
      v.forEach((row, i) => { for (let k = 0; k < w; k++) a[i * w + k] = row[k] == null ? NaN : row[k]; });
      return { a, w };
    }
    return { a: Float64Array.from(v, (e) => (e == null ? NaN : e)), w: 1 };
  }
  if (typeof v === "object" && typeof v.bdata === "string") {
    const bin = atob(v.bdata), buf = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
    const T = TYPED[String(v.dtype).replace(/^[<>|=]/, "")] || Float64Array;
    const shape = v.shape ? String(v.shape).split(",").map(Number) : null;
    return { a: new T(buf.buffer), w: shape && shape.length > 1 ? shape[1] : 1 };
  }
  return null;
}

function rowsOf(col, rows) {  // rows of a column set (-1: a NaN gap row); 1-wide → Float32Array, else [[…], …]
  const { a, w } = col;
  if (w === 1) {
    const out = new Float32Array(rows.length);
    rows.forEach((r, i) => { out[i] = r < 0 ? NaN : a[r]; });
    return out;
  }
  return rows.map((r) => { const row = new Array(w); for (let k = 0; k < w; k++) row[k] = r < 0 ? null : a[r * w + k]; return row; });
}

function lazyFrames(g) {
  const spec = g && g.layout && g.layout.meta && g.layout.meta.lazy_frames;
  if (!spec || !window.Plotly || !g.data || g.__lazySpec === spec) return;
  g.__lazySpec = spec;
  const cols = new Map();
  const col = (t, k) => {
    const id = t + ":" + k;
    if (!cols.has(id)) cols.set(id, columns(g.data[t] && g.data[t][k]));
    return cols.get(id);
  };
  const starts = new Map();  // trace → the first row of each segment
  const segs = (t) => {
    if (!starts.has(t)) {
      const x = col(t, "x"), out = [0];
      if (x) for (let i = 0; i < x.a.length; i++) if (Number.isNaN(x.a[i])) out.push(i + 1);
      starts.set(t, out);
    }
    return starts.get(t);
  };
  const paths = {};
  g.data.forEach((t, i) => { if (t.meta && t.meta.role === "path") paths[t.meta.run] = i; });
  // what stepFrame needs later (gd.data's arrays are a frame's once anything played): the static columns, and
  // the step of every row of each run's path (its customdata's first column)
  const stepCol = {};
  for (const [r, t] of Object.entries(paths)) {
    const c = col(t, "customdata");
    if (c) { const s = new Float64Array(c.a.length / c.w); for (let i = 0; i < s.length; i++) s[i] = c.a[i * c.w]; stepCol[r] = s; }
    col(t, "x"); col(t, "y");
  }
  spec[spec.length - 1].data.forEach((it, j) => {
    if (it && it.cut !== undefined) { const t = spec[spec.length - 1].traces[j]; segs(t); for (const k of it.k || []) col(t, k); }
  });
  g.__lazyStatic = { spec, col, segs, paths, stepCol, steps: (g.layout.meta.frame_steps || []).slice() };
  const frames = spec.map((fr) => ({
    name: fr.name,
    traces: fr.traces,
    data: fr.data.map((it, j) => {
      if (!it || (it.cut === undefined && it.pick === undefined)) return it;
      const { cut, pick, run, k, ...rest } = it;
      const t = cut !== undefined ? fr.traces[j] : paths[run];
      let rows = pick;
      if (cut !== undefined) {
        rows = [];
        const s = segs(t);
        cut.forEach((c, b) => { if (b) rows.push(-1); for (let i = 0; i < c; i++) rows.push(s[b] + i); });
      }
      const out = { ...rest };
      for (const key of k || []) { const c = col(t, key); if (c) out[key] = rowsOf(c, rows); }
      return out;
    }),
  }));
  // the frames of the figure drawn before go (not with Plotly.deleteFrames: it sorts the indices as strings and
  // then deletes 9 before 10, which throws beyond ten frames)
  if (g._transitionData) { g._transitionData._frames = []; g._transitionData._frameHash = {}; }
  window.Plotly.addFrames(g, frames).catch(() => {});
}

// The map's frame at step t, built from its lazy frames' references when the bar shows t (the step inspector's
// one position per step; never added to the figure). Each path keeps the rows of its static trace up to step t
// (all of them when the path was not thinned; else every stride-th step, which then is "far behind t"); `ex`, the
// inspected run's every point ({run, points (S+1, B, 2) flat, loss (S+1, B), B}), adds the steps after the last
// kept row up to t, so that run's path ends exactly at θ_t and its end marker is there (stride 1 near t). The
// other entries (divergence marks, events) are those of the latest lazy frame at or before t.
// viz/animation.py expand_step is the same in Python (the tests compare the two with the frames).
function stepFrame(g, t, ex) {
  const st = g.__lazyStatic;
  if (!st || !st.spec.length) return null;
  const tmpl = st.spec[st.spec.length - 1];
  let fi = 0;
  for (let i = 0; i < st.steps.length && i < st.spec.length; i++) if (st.steps[i] <= t) fi = i;
  const plain = st.spec[fi];
  const shownOf = {};  // run → per start: [first row, rows shown, the last shown step, the last valid step]
  const shown = (r) => {
    if (shownOf[r]) return shownOf[r];
    const P = st.paths[r], steps = st.stepCol[r], s = st.segs(P), out = [];
    if (!steps) return (shownOf[r] = null);
    for (let b = 0; b < s.length; b++) {
      const a = s[b], e = b + 1 < s.length ? s[b + 1] - 1 : steps.length;  // e: one past the segment's last row
      let lo = a, hi = e;  // the first row whose step > t
      while (lo < hi) { const m = (lo + hi) >> 1; if (steps[m] <= t) lo = m + 1; else hi = m; }
      const c = Math.max(1, lo - a);
      out.push([a, c, steps[a + c - 1], steps[e - 1]]);
    }
    return (shownOf[r] = out);
  };
  const exact = (r) => (ex && ex.run === r && ex.points && ex.points.length ? ex : null);
  const extra = (x, b, from, upto) => {  // the inspected run's steps from+1 … upto: [[x, y, step, f], …]
    const rows = [];
    for (let k = from + 1; k <= upto; k++) {
      const i = (k * x.B + b) * 2;
      rows.push([x.points[i], x.points[i + 1], k, x.loss ? x.loss[k * x.B + b] : NaN]);
    }
    return rows;
  };
  const put = (key, vals) => (key === "customdata" ? vals : Float32Array.from(vals));
  const data = tmpl.data.map((it, j) => {
    if (!it || (it.cut === undefined && it.pick === undefined)) return plain.data[j];
    const { cut, pick, run, k, ...rest } = it;
    const T = cut !== undefined ? tmpl.traces[j] : st.paths[run];
    const r = cut !== undefined ? (g.data[T] && g.data[T].meta ? g.data[T].meta.run : undefined) : run;
    const sh = r === undefined ? null : shown(r);
    const out = { ...rest };
    if (!sh) return plain.data[j];
    const x = exact(r);
    for (const key of k || []) {
      const c = st.col(T, key);
      if (!c) continue;
      const vals = [];
      const row = (i) => (c.w === 1 ? c.a[i] : Array.from(c.a.subarray(i * c.w, (i + 1) * c.w)));
      const gap = c.w === 1 ? NaN : new Array(c.w).fill(null);
      const pickOf = (e) => (key === "x" ? e[0] : key === "y" ? e[1] : [e[2], e[3]]);
      if (cut !== undefined) {
        const segT = st.segs(T);
        sh.forEach(([, cnt, last, valid], b) => {
          if (b) vals.push(gap);
          for (let i = 0; i < cnt; i++) vals.push(row(segT[b] + i));
          if (x) for (const e of extra(x, b, last, Math.min(t, valid))) vals.push(pickOf(e));
        });
      } else {
        sh.forEach(([a, cnt, last, valid], b) => {
          const more = x ? extra(x, b, last, Math.min(t, valid)) : [];
          vals.push(more.length ? pickOf(more[more.length - 1]) : row(a + cnt - 1));
        });
      }
      out[key] = put(key, vals);
    }
    return out;
  });
  return { traces: tmpl.traces, data };
}

// Expand a chart's lazy frames as soon as Streamlit (re)draws it, whether or not the bar mounts again.
function watchLazyFrames() {
  window.__optvizStepFrame = stepFrame;  // for tools and tests: what the bar builds for a step (e.g. its cost)
  if (window.__optvizLazyFrames) return;
  window.__optvizLazyFrames = true;
  let queued = false;
  const scan = () => { queued = false; document.querySelectorAll(".js-plotly-plot").forEach((g) => lazyFrames(g)); };
  new MutationObserver(() => { if (!queued) { queued = true; queueMicrotask(scan); } })
    .observe(document.body, { childList: true, subtree: true });
  scan();
}

// The shown step, kept across mounts of the bar (the inspector restores it when a layer or run is switched).
function remember(step, scene) {
  const store = (window.__optvizInspector = window.__optvizInspector || {});
  store.step = step;
  store.scene = scene;
}

function nearestFrame(steps, want, fallback) {
  if (want == null || !steps.length) return fallback;
  let best = 0;
  steps.forEach((s, i) => { if (Math.abs(s - want) < Math.abs(steps[best] - want)) best = i; });
  return best;
}

// ============================================================================ the step inspector's overlay
// What the inspector draws on the map at the shown step (data from viz/inspector.py overlay_data: the vectors
// of every step as float32 arrays): for each run and start, arrows from θ_{t−1} for −η·g, the velocity, Δθ and
// the weight-decay pull, Nesterov's look-ahead point (a dotted line and a ring), and the effective learning rate
// as a rectangle with a faint trail of earlier steps' rectangles. Drawn lengths follow the zoom (rules in
// viz/inspector.py): a run's arrows share a round scale that keeps the longest readable, a too-short arrow gets
// its own, and a scale other than 1 is written beside the arrow ("×40").
// It is an SVG layer of its own over the plot area, not Plotly annotations or shapes: changing those costs
// Plotly a full recalculation of the figure (~0.1–0.5 s a frame), drawing this costs well under a millisecond,
// so it follows playback frame by frame. Every element carries its data coordinates for tests and tools:
// data-name "insp:<layer>:<run>:<start>|<drawn scale>" (a trail rectangle "insp-trail:…:<step>|<scale>"), an
// arrow data-ax/ay (tail) and data-x/y (head, as drawn), a rectangle data-x0/x1/y0/y1; labels "insp-label:…".
// Redrawn on every shown step (stepping, scrubbing, playback), on zoom and pan, and when Plotly redraws.
function makeOverlay(ov, chartDiv) {
  if (!ov || !Array.isArray(ov.runs)) return null;
  const NS = "http://www.w3.org/2000/svg";
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
  const round = (ratio, up) => {  // a round scale (1, 2, 5 × 10^k): the smallest ≥ ratio (up) or largest ≤ it
    if (!(ratio > 0) || !Number.isFinite(ratio)) return 1;
    const k = Math.floor(Math.log10(ratio)), ms = [1, 2, 5, 10];
    if (up) { for (const m of ms) if (m * 10 ** k >= ratio * (1 - 1e-12)) return m * 10 ** k; return 10 ** (k + 1); }
    for (let j = ms.length - 1; j >= 0; j--) if (ms[j] * 10 ** k <= ratio * (1 + 1e-12)) return ms[j] * 10 ** k;
    return 10 ** (k - 1) * 5;
  };
  const fmtScale = (s) => (s >= 1e-3 && s < 1e5 ? String(Number(s.toPrecision(2))) : s.toExponential(0));
  const el = (tag, attrs, parent) => {
    const n = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
    if (parent) parent.appendChild(n);
    return n;
  };
  let last = null, gd = null;
  const listeners = [];

  function host(g) {  // the overlay's <svg>, on top of Plotly's, the size of the chart
    const box = g.querySelector(".svg-container");
    if (!box) return null;
    let svg = box.querySelector(":scope > svg.insp-overlay");
    if (!svg) {
      svg = el("svg", { class: "insp-overlay" });
      svg.style.cssText = "position:absolute;left:0;top:0;pointer-events:none;overflow:hidden;z-index:4";
      box.appendChild(svg);
    }
    svg.setAttribute("width", box.clientWidth);
    svg.setAttribute("height", box.clientHeight);
    return svg;
  }

  function draw(step) {
    last = step;
    store.step = step;
    const g = chartDiv(ov.chart);
    if (!g || !g._fullLayout || !g._fullLayout.xaxis) return;
    const xa = g._fullLayout.xaxis, ya = g._fullLayout.yaxis;
    const mx = Math.abs(xa._m), my = Math.abs(ya._m);
    if (!(mx > 0) || !(my > 0)) return;
    const svg = host(g);
    if (!svg) return;
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const px = (x) => xa._offset + xa.l2p(xa.d2l(x)), py = (y) => ya._offset + ya.l2p(ya.d2l(y));
    const clip = `insp-clip-${ov.chart}`;
    const defs = el("defs", {}, svg);
    el("rect", { x: xa._offset, y: ya._offset, width: xa._length, height: ya._length }, el("clipPath", { id: clip }, defs));
    const root = el("g", { "clip-path": `url(#${clip})` }, svg);
    const labelsRoot = el("g", {}, svg);
    const side = Math.min(xa._length, ya._length);
    const placed = [];
    const t = Math.round(step);
    const label = (name, x, y, dx, dy, text, color) => {  // beyond (x, y) along (dx, dy); clear of other labels
      const n = Math.hypot(dx, dy) || 1;
      const w = 7.4 * text.length + 6, h = 17;
      let lx = x + (10 * dx) / n, ly = y + (10 * dy) / n;
      const left = dx >= 0 ? lx : lx - w;
      for (let k = 0; k < 6 && placed.some((q) => left < q.x + q.w && q.x < left + w && ly - h / 2 < q.y + q.h / 2 && q.y - q.h / 2 < ly + h / 2); k++) ly += h;
      placed.push({ x: left, y: ly, w, h });
      const txt = el("text", { "data-name": name, x: lx, y: ly, "text-anchor": dx >= 0 ? "start" : "end",
        "dominant-baseline": "middle", fill: color, stroke: ov.halo || "rgba(255,255,255,0.92)", "stroke-width": 3.5,
        "paint-order": "stroke", "font-size": 13, "font-weight": 600, "font-family": ov.font || "sans-serif" }, labelsRoot);
      txt.textContent = text;
    };
    for (const r of runs) {
      if (!(t >= 1 && t <= r.steps)) continue;
      const B = r.starts;
      for (let b = 0; b < B; b++) {
        const i0 = ((t - 1) * B + b) * dim;
        const ox = r.points[i0];
        const oy = dim === 2 ? r.points[i0 + 1] : (r.loss ? r.loss[(t - 1) * B + b] : NaN);
        if (!Number.isFinite(ox) || !Number.isFinite(oy)) continue;
        // the effective learning rate: one scale k for every step of the run, so the rectangles shrink as the
        // rate does; a faint trail of earlier steps' rectangles along the path shows it in one picture
        const e = r.layers.eff_lr, Le = layers.find((x) => x.id === "eff_lr");
        if (e && Le && r.q90 > 0) {
          const k = round((R.rect_frac * side) / (r.q90 * Math.max(mx, my)), false);
          const rect = (ts, name, cur) => {
            const i = ((ts - 1) * B + b) * dim;
            const cx = r.points[i], cy = dim === 2 ? r.points[i + 1] : oy;
            const ex = e[i], ey = dim === 2 ? e[i + 1] : 0;
            if (![cx, cy, ex, ey].every(Number.isFinite)) return null;
            const hx = (k * ex) / 2, hy = dim === 2 ? (k * ey) / 2 : 6 / my;
            const x0 = cx - hx, x1 = cx + hx, y0 = cy - hy, y1 = cy + hy;
            el("rect", { "data-name": name, "data-x0": x0, "data-x1": x1, "data-y0": y0, "data-y1": y1,
              x: Math.min(px(x0), px(x1)), y: Math.min(py(y0), py(y1)), width: Math.abs(px(x1) - px(x0)),
              height: Math.abs(py(y1) - py(y0)), stroke: Le.color, "stroke-width": cur ? 2 : 1,
              "stroke-opacity": cur ? 1 : 0.55, fill: cur ? "rgba(217,142,4,0.12)" : "none" }, root);
            return [px(x1), py(y0)];
          };
          const n = R.trail || 0, done = new Set();
          for (let j = 0; j < n && t > 1; j++) {
            const ts = 1 + Math.round(((t - 2) * j) / Math.max(n - 1, 1));
            if (ts >= t || done.has(ts)) continue;
            done.add(ts);
            rect(ts, `insp-trail:eff_lr:${r.run}:${b}:${ts}|${k}`, false);
          }
          const corner = rect(t, `insp:eff_lr:${r.run}:${b}|${k}`, true);
          if (corner) label(`insp-label:eff_lr:${r.run}:${b}`, corner[0], corner[1], 1, 1, `η_eff ×${fmtScale(k)}`, Le.color);
        }
        const vecs = [];
        for (const L of layers) {
          const a = r.layers[L.id];
          if (!a || L.kind === "rect") continue;
          const vx = a[i0], vy = dim === 2 ? a[i0 + 1] : 0;
          if (!Number.isFinite(vx) || !Number.isFinite(vy)) continue;
          const len = Math.hypot(vx * mx, vy * my);
          if (!(len > 0)) continue;
          vecs.push({ L, vx, vy, len });
        }
        const longest = Math.max(0, ...vecs.map((v) => v.len));
        let s = 1;
        if (longest > 0 && longest < R.min_px) s = round(R.min_px / longest, true);
        else if (longest > R.max_frac * side) s = round((R.max_frac * side) / longest, false);
        const heads = [];  // arrows that end at the same pixel share one label ("−ηb = Δθ")
        const tx = px(ox), ty = py(oy);
        for (const v of vecs) {
          const own = v.len * s < R.solo_px ? round(R.solo_to_px / v.len, true) : s;
          const hx = ox + own * v.vx, hy = oy + own * v.vy;
          const X = px(hx), Y = py(hy);
          const tag = `${v.L.id}:${r.run}:${b}`;
          const sym = (r.symbols && r.symbols[v.L.id]) || v.L.id;
          const grp = el("g", { "data-name": `insp:${tag}|${own}`, "data-ax": ox, "data-ay": oy, "data-x": hx,
            "data-y": hy }, root);
          const w = v.L.id === "step" ? 3.4 : 2.4;
          if (v.L.kind === "point") {
            el("line", { x1: tx, y1: ty, x2: X, y2: Y, stroke: v.L.color, "stroke-width": 2, "stroke-dasharray": "3 3" }, grp);
            el("circle", { cx: X, cy: Y, r: 5, stroke: v.L.color, "stroke-width": 2, fill: ov.halo || "rgba(255,255,255,0.85)" }, grp);
          } else {
            const d = Math.hypot(X - tx, Y - ty) || 1, ux = (X - tx) / d, uy = (Y - ty) / d;
            const hl = Math.min(R.head_px + w, 0.6 * d), bx = X - ux * hl, by = Y - uy * hl;
            el("line", { x1: tx, y1: ty, x2: bx, y2: by, stroke: ov.halo || "rgba(255,255,255,0.85)", "stroke-width": w + 2.5,
              "stroke-linecap": "round" }, grp);
            el("line", { x1: tx, y1: ty, x2: bx, y2: by, stroke: v.L.color, "stroke-width": w, "stroke-linecap": "round" }, grp);
            const nx = -uy * hl * 0.5, ny = ux * hl * 0.5;
            el("polygon", { points: `${X},${Y} ${bx + nx},${by + ny} ${bx - nx},${by - ny}`, fill: v.L.color,
              stroke: ov.halo || "rgba(255,255,255,0.85)", "stroke-width": 1 }, grp);
          }
          const text = own === 1 ? sym : `${sym} ×${fmtScale(own)}`;
          const same = heads.find((h) => Math.hypot(h.X - X, h.Y - Y) < 4);
          if (same) { same.text += " = " + text; continue; }
          heads.push({ tag, X, Y, text, color: v.L.color, dx: X - tx, dy: Y - ty });
        }
        for (const h of heads) label(`insp-label:${h.tag}`, h.X, h.Y, h.dx, h.dy, h.text, h.color);
      }
    }
  }

  function clear() {
    const g = chartDiv(ov.chart);
    const svg = g && g.querySelector(".svg-container > svg.insp-overlay");
    if (svg) svg.remove();
  }

  function attach() {
    const g = chartDiv(ov.chart);
    if (!g || !g.on || g === gd) return;
    gd = g;
    const again = () => { if (last !== null) draw(last); };  // zoom, pan, resize, Plotly redrew the chart
    for (const ev of ["plotly_relayout", "plotly_relayouting", "plotly_afterplot", "plotly_redraw"]) {
      g.on(ev, again);
      listeners.push(() => g.removeListener(ev, again));
    }
  }

  // the inspected run's every point, for the map's frame at a step (stepFrame): 2-D only
  const ex = dim === 2 && runs.length ? { run: runs[0].run, points: runs[0].points, loss: runs[0].loss, B: runs[0].starts } : null;

  return {
    draw, attach, exact: () => ex,
    remembered: () => store.step,
    detach: () => { listeners.forEach((f) => f()); listeners.length = 0; gd = null; clear(); },
  };
}
