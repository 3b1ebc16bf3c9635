// Live scrubbing of the hyperparameter sliders (a Streamlit components-v2 module: it runs in the page, no iframe).
// See ui/scrub.py for the design and the measurements behind it. In short:
//  - the sliders are Streamlit's select_sliders (a real <input type=range> whose value is the option index);
//  - pointer over / focus / touch on one: ask Python for that slider's paths (a trigger: reruns only this
//    element's fragment), which arrive as one binary blob and are kept here by their id;
//  - while the thumb moves (a MutationObserver sees the range input's aria-valuetext change), once per animation
//    frame: draw the dragged run's path and end marks for the value under the thumb in an SVG overlay on the
//    map, and hide the run's own traces (Plotly.restyle costs 150–250 ms an update here, the overlay < 1 ms);
//  - a value chosen without a drag (a key, a click on the track) or let go after one is committed: its path goes
//    into the map's own traces (Plotly.animate, redraw: false), exactly as the rerun's figure will draw it, and
//    the run's legend label with it — when the map shows exactly the payload's path for the current value and no
//    divergence or event marks (see commit below); else the overlay stays until the rerun's figure is drawn;
//  - the overlay leaves when Plotly draws the chart again, when the playback starts, or at once when the thumb
//    is back at the value the map shows. While the rerun replaces the chart, ui/hold.js keeps the old one shown.
// Data from the page (slider values, attributes) is only read as numbers; captions are set as textContent.

const SVGNS = "http://www.w3.org/2000/svg";
const CACHE_MAX = 12;
const KEY_RE = /(?:^|\s)st-key-(run\d+_[A-Za-z0-9_]+)(?:\s|$)/;

// State that lives as long as the page (the module is loaded once; the default export runs on every rerun).
const S = {
  cache: new Map(), // payload id -> decoded paths
  pending: new Map(), // payload id -> time asked
  sliders: new Map(), // slider key -> {key, run, param, id, n}
  text: {},
  setTrigger: null,
  active: null, // slider key under the pointer or focused
  pressed: null, // slider key the pointer is pressing (a drag): the overlay follows it; else the value is committed
  commit: false, // may a value be put into the map itself (ui/scrub.py committable)
  committed: null, // {gd, key, idx}: the value put into the map's own traces, until the rerun's chart
  preview: null, // {gd, run, hidden: [elements], svg, caption, key, idx}
  queued: null, // {key, input} waiting for the next animation frame
  raf: 0,
  stats: { frames: 0, drawMs: [], commits: 0, commitMs: [] }, // read by benchmarks/app.py and the e2e tests
};
if (typeof window !== "undefined") window.__optvizScrub = S;

function decode(data) {
  if (!data) return null;
  const u8 = data instanceof Uint8Array ? data : new Uint8Array(data.buffer || data);
  if (u8.byteLength < 4) return null;
  const size = new DataView(u8.buffer, u8.byteOffset, 4).getUint32(0, true);
  const head = JSON.parse(new TextDecoder().decode(u8.subarray(4, 4 + size)));
  let pos = 4 + size + ((4 - ((4 + size) % 4)) % 4);
  const arrays = [];
  for (const n of head.lengths || []) {
    // copy: the blob's offset inside its buffer need not be a multiple of 4
    arrays.push(new Float32Array(u8.slice(pos, pos + 4 * n).buffer));
    pos += 4 * n;
  }
  return { head, arrays };
}

function remember(msg) {
  const p = msg.head.payload;
  if (!p || msg.arrays.length < 3) return;
  const [x, y, heads] = msg.arrays;
  S.cache.delete(p.id);
  S.cache.set(p.id, { ...p, x, y, heads });
  S.pending.delete(p.id);
  while (S.cache.size > CACHE_MAX) S.cache.delete(S.cache.keys().next().value);
}

function sliderKey(el) {
  const box = el && el.closest && el.closest('[class*="st-key-run"]');
  if (!box) return null;
  const m = KEY_RE.exec(box.className);
  return m && S.sliders.has(m[1]) ? m[1] : null;
}

function contour() {
  // while a rerun replaces the map, the old one is shown over the new one's place (ui/hold.js)
  const hold = window.__optvizHold;
  return (hold && hold.shown && hold.shown("contour")) || document.querySelector(".st-key-contour .js-plotly-plot");
}

function ask(key) {
  const s = S.sliders.get(key);
  if (!s || S.cache.has(s.id) || !S.setTrigger) return;
  const asked = S.pending.get(s.id);
  if (asked && performance.now() - asked < 8000) return;
  const gd = contour();
  if (!gd || !gd._fullData) return;
  const path = gd._fullData.find((t) => t.meta && t.meta.role === "path" && t.meta.run === s.run);
  const stride = path && Number.isInteger(path.meta.stride) ? path.meta.stride : 1;
  S.pending.set(s.id, performance.now());
  S.setTrigger("want", { key, id: s.id, stride });
}

// ------------------------------------------------------------------------------------------------ drawing
function traceGroups(gd, indices) {
  const out = [];
  for (const g of gd.querySelectorAll(".scatterlayer .trace")) {
    const d = g.__data__;
    const t = d && d[0] && d[0].trace;
    if (t && indices.includes(t.index)) out.push(g);
  }
  return out;
}

function endPreview() {
  const p = S.preview;
  if (!p) return;
  for (const g of p.hidden) g.style.visibility = "";
  if (p.svg) p.svg.remove();
  if (p.caption) p.caption.remove();
  S.preview = null;
}

// Liang–Barsky: the part of segment (x0,y0)-(x1,y1) inside [lo, hi]², or null.
function clip(x0, y0, x1, y1, lo, hiX, hiY) {
  let t0 = 0, t1 = 1;
  const dx = x1 - x0, dy = y1 - y0;
  const p = [-dx, dx, -dy, dy], q = [x0 - lo, hiX - x0, y0 - lo, hiY - y0];
  for (let i = 0; i < 4; i++) {
    if (p[i] === 0) { if (q[i] < 0) return null; continue; }
    const r = q[i] / p[i];
    if (p[i] < 0) { if (r > t1) return null; if (r > t0) t0 = r; }
    else { if (r < t0) return null; if (r < t1) t1 = r; }
  }
  return [x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy];
}

const r1 = (v) => Math.round(v * 10) / 10;

function pathD(xs, ys, xa, ya, w, h) {
  // pixel coordinates, clipped to the plot area grown by its own size on every side
  const lo = -Math.max(w, h), hiX = w + Math.max(w, h), hiY = h + Math.max(w, h);
  let d = "", px = NaN, py = NaN, pen = false;
  for (let i = 0; i < xs.length; i++) {
    const X = xa.c2p(xs[i]), Y = ya.c2p(ys[i]);
    if (!Number.isFinite(X) || !Number.isFinite(Y)) { pen = false; px = py = NaN; continue; }
    if (Number.isFinite(px)) {
      const c = clip(px, py, X, Y, lo, hiX, hiY);
      if (c) {
        if (!pen || c[0] !== px || c[1] !== py) d += "M" + r1(c[0]) + "," + r1(c[1]);
        d += "L" + r1(c[2]) + "," + r1(c[3]);
        pen = c[2] === X && c[3] === Y;
      } else pen = false;
    } else if (X >= lo && X <= hiX && Y >= lo && Y <= hiY) {
      d += "M" + r1(X) + "," + r1(Y);
      pen = true;
    }
    px = X; py = Y;
  }
  return d;
}

function dotsD(xs, ys, xa, ya, w, h, r) {
  let d = "";
  for (let i = 0; i < xs.length; i++) {
    const X = xa.c2p(xs[i]), Y = ya.c2p(ys[i]);
    if (!(X >= -r && X <= w + r && Y >= -r && Y <= h + r)) continue;
    d += "M" + r1(X - r) + "," + r1(Y) + "a" + r + "," + r + " 0 1,0 " + 2 * r + ",0a" + r + "," + r + " 0 1,0 " +
      -2 * r + ",0";
  }
  return d;
}

function el(tag, attrs) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function draw(key, input) {
  const t0 = performance.now();
  const s = S.sliders.get(key);
  if (!s) return;
  const pay = S.cache.get(s.id);
  if (!pay) { ask(key); return; }
  const idx = Number(input.value);
  const n = pay.values.length;
  // the slider's options must be the ones the paths were computed for
  if (!Number.isInteger(idx) || idx < 0 || idx >= n || Number(input.max) !== n - 1) return;
  if (pay.labels && input.getAttribute("aria-valuetext") !== pay.labels[idx]) return;
  const gd = contour();
  if (!gd || !gd._fullData || !gd._fullLayout) return;
  if (idx === s.index && !(S.committed && S.committed.gd === gd)) {
    if (S.preview && S.preview.key === key) endPreview();
    return;
  }
  if (!pay.ok[idx]) return;
  if (shows(gd, s, pay, idx)) {  // the map already draws this value (a rerun's chart before its header came)
    if (S.preview && S.preview.key === key) endPreview();
    S.committed = { gd, key, idx };
    return;
  }
  if (S.pressed !== key && commit(s, pay, idx, gd)) return;
  const fd = gd._fullData;
  const pathT = fd.find((t) => t.meta && t.meta.role === "path" && t.meta.run === s.run);
  const headT = fd.find((t) => t.meta && t.meta.role === "head" && t.meta.run === s.run);
  if (!pathT) return;
  let p = S.preview;
  if (p && (p.gd !== gd || p.run !== s.run || !gd.contains(p.svg))) { endPreview(); p = null; }
  const L = gd._fullLayout, xa = L.xaxis, ya = L.yaxis, size = L._size;
  const w = xa._length, h = ya._length;
  if (!p) {
    const host = gd.querySelector(".svg-container") || gd;
    const svg = el("svg", { class: "optviz-scrub", width: w, height: h, "aria-hidden": "true" });
    svg.style.cssText = `position:absolute;left:${xa._offset}px;top:${ya._offset}px;pointer-events:none;overflow:hidden;z-index:2`;
    const line = el("path", { fill: "none", "stroke-linejoin": "round", "stroke-linecap": "round" });
    const dots = el("path", { stroke: "none" });
    const heads = el("path", {});
    svg.append(line, dots, heads);
    host.appendChild(svg);
    const caption = document.createElement("div");
    caption.className = "optviz-scrub-caption";
    caption.setAttribute("aria-hidden", "true");
    caption.style.cssText = `position:absolute;left:${xa._offset + 8}px;top:${ya._offset + 6}px;pointer-events:none;` +
      "z-index:3;padding:2px 8px;border-radius:6px;font:600 13px/1.4 sans-serif;" +
      `background:${L.paper_bgcolor || "#fff"};color:${(L.font && L.font.color) || "#1F2430"};opacity:0.92`;
    host.appendChild(caption);
    const hidden = traceGroups(gd, [pathT.index, headT ? headT.index : -1]);
    for (const g of hidden) g.style.visibility = "hidden";
    p = S.preview = { gd, run: s.run, key, hidden, svg, line, dots, heads, caption, idx: -1 };
  }
  p.key = key;
  if (p.idx === idx) return;
  p.idx = idx;
  const color = (pathT.line && pathT.line.color) || "#333";
  const a = pay.offsets[idx], b = pay.offsets[idx + 1];
  const xs = pay.x.subarray(a, b), ys = pay.y.subarray(a, b);
  p.svg.setAttribute("width", w); p.svg.setAttribute("height", h);
  p.svg.style.left = xa._offset + "px"; p.svg.style.top = ya._offset + "px";
  p.caption.style.left = xa._offset + 8 + "px"; p.caption.style.top = ya._offset + 6 + "px";
  p.line.setAttribute("stroke", color);
  p.line.setAttribute("stroke-width", (pathT.line && pathT.line.width) || 2);
  p.line.setAttribute("d", pathD(xs, ys, xa, ya, w, h));
  const withDots = String(pathT.mode || "").includes("markers");
  p.dots.setAttribute("fill", color);
  p.dots.setAttribute("d", withDots ? dotsD(xs, ys, xa, ya, w, h, ((pathT.marker && pathT.marker.size) || 4) / 2) : "");
  const S0 = pay.starts;
  const hx = pay.heads.subarray(idx * S0 * 2, (idx + 1) * S0 * 2);
  const hm = (headT && headT.marker) || {};
  p.heads.setAttribute("fill", hm.color || color);
  p.heads.setAttribute("stroke", (hm.line && hm.line.color) || "#fff");
  p.heads.setAttribute("stroke-width", (hm.line && hm.line.width) || 2);
  const hr = (hm.size || 12) / 2;
  const ex = [], ey = [];
  for (let k = 0; k < S0; k++) { ex.push(hx[2 * k]); ey.push(hx[2 * k + 1]); }
  p.heads.setAttribute("d", dotsD(ex, ey, xa, ya, w, h, hr));
  // caption: which run, which value, and where it diverged
  const T = S.text || {};
  const run = (T.run || "Run {n}").replace("{n}", String(s.run + 1));
  const div = (pay.diverged[idx] || []).filter((d) => d >= 0);
  let text = `${run} · ${pay.param} = ${pay.labels ? pay.labels[idx] : pay.values[idx]}`;
  if (div.length) text += " — " + (T.diverged || "diverged at step {step}").replace("{step}", String(Math.min(...div)));
  p.caption.textContent = text;
  p.caption.style.color = div.length ? "#C0000A" : ((L.font && L.font.color) || "#1F2430");
  // what is drawn, for tests and benchmarks: the value index and the data drawn
  p.svg.dataset.run = String(s.run);
  p.svg.dataset.index = String(idx);
  p.svg.dataset.value = String(pay.values[idx]);
  S.stats.frames += 1;
  const ms = performance.now() - t0;
  S.stats.drawMs.push(ms);
  if (S.stats.drawMs.length > 2000) S.stats.drawMs.splice(0, 1000);
}

// ------------------------------------------------------------------------------------------------ commit
// A value chosen without a drag (an arrow key, Home / End, a click on the track) or let go after one: put its
// path into the map's own traces, as the rerun's figure will draw them, at once. Plotly.animate with
// redraw: false redraws only those traces (20–40 ms here; Plotly.restyle redraws the whole contour, 150–250 ms).
// Only when the result is exactly the rerun's picture: the map shows the payload's path of the slider's current
// value point for point (same stride, last step: not a playback frame), it has only the traces below (and other
// runs' divergence marks, when this run diverges neither before nor after: they do not move; no event marks),
// and the new value does not diverge. Else the overlay stays until the rerun.
const PLAIN = new Set(["grid", "minimum", "start", "pathhover", "headhover", "path", "head", "curve"]);

function sameArray(a, b) {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const u = a[i], v = b[i];
    if (u !== v && !(Number.isNaN(u) && Number.isNaN(v)) && !(u == null && Number.isNaN(v))) return false;
  }
  return true;
}

// does the map draw exactly value idx's path for the slider's run?
function shows(gd, s, pay, idx) {
  const t = gd._fullData.find((d) => d.meta && d.meta.role === "path" && d.meta.run === s.run);
  const a = pay.offsets[idx], b = pay.offsets[idx + 1];
  return !!t && b > a && sameArray(t.x, pay.x.subarray(a, b)) && sameArray(t.y, pay.y.subarray(a, b));
}

function commit(s, pay, idx, gd) {
  const t0 = performance.now();
  const no = (why) => { S.stats.notCommitted = why; return false; };
  if (!S.commit) return no("off");
  if (S.committed && S.committed.gd === gd && S.committed.idx === idx) return true;  // drawn already
  if (!window.Plotly || !gd || !gd._fullData) return no("no chart");
  if (!pay.ok[idx] || (pay.diverged[idx] || []).some((d) => d >= 0)) return no("diverges");
  if (s.index < 0 || !pay.ok[s.index]) return no("current value");
  const fd = gd._fullData;
  // other runs' divergence marks stay as they are when this run diverges neither before nor after
  const calm = (pay.diverged[s.index] || []).every((d) => d < 0);
  if (!fd.every((t) => t.meta && (PLAIN.has(t.meta.role) || (calm && t.meta.role === "diverged")))) return no("marks");
  const mine = (role) => fd.find((t) => t.meta.role === role && t.meta.run === s.run);
  const pathT = mine("path"), headT = mine("head");
  if (!pathT || !headT) return no("no path");
  // the map must show the value the payload says it shows (the same points): then the new path is exact too
  const cur = S.committed && S.committed.gd === gd ? S.committed.idx : s.index;
  if (cur === s.index && !shows(gd, s, pay, s.index)) return no("other path");
  const n = pay.starts, hs = pay.heads.subarray(idx * n * 2, (idx + 1) * n * 2);
  const hx = [], hy = [];
  for (let k = 0; k < n; k++) { hx.push(hs[2 * k]); hy.push(hs[2 * k + 1]); }
  const c = pay.offsets[idx], d = pay.offsets[idx + 1];
  const traces = [pathT.index, headT.index];
  const data = [{ x: pay.x.slice(c, d), y: pay.y.slice(c, d) }, { x: hx, y: hy }];
  // the hover traces would answer with the old value's steps and losses: silent until the rerun's figure
  for (const role of ["pathhover", "headhover"]) {
    const t = mine(role);
    if (t) { traces.push(t.index); data.push({ x: [], y: [] }); }
  }
  endPreview();
  S.committed = { gd, key: s.key, idx };
  const layer = gd.querySelector(".scatterlayer");
  const mo = layer && new MutationObserver(() => restack(gd));  // before the paint: a microtask after the draw
  if (mo) { mo.observe(layer, { childList: true }); setTimeout(() => mo.disconnect(), 2000); }
  window.Plotly.animate(gd, { data, traces }, {
    mode: "immediate", frame: { duration: 0, redraw: false }, transition: { duration: 0 },
  }).then(() => {
    restack(gd);
    // the map changed here: the picture to hold while the rerun replaces the chart (ui/hold.js)
    const hold = window.__optvizHold;
    if (hold && hold.snapshot) hold.snapshot(["contour"]);
  }, () => {});
  gd.dataset.scrubCommitted = String(idx);  // for tests and benchmarks
  legend(pay, s.run, idx);
  S.stats.commits += 1;
  S.stats.commitMs.push(performance.now() - t0);
  return true;
}

// Plotly.animate draws the traces it changed on top of the others: put every trace back in its order (the
// figure's order, as the rerun draws it: a later run's path over an earlier one's)
function restack(gd) {
  const layer = gd.querySelector(".scatterlayer");
  if (!layer) return;
  const order = (g) => (g.__data__ && g.__data__[0] && g.__data__[0].trace ? g.__data__[0].trace.index : -1);
  const groups = [...layer.children];
  const sorted = [...groups].sort((a, b) => order(a) - order(b));
  if (sorted.some((g, i) => g !== groups[i])) for (const g of sorted) layer.appendChild(g);
}

// the legend's label of the run (ui/trajectories.legend: span.item[data-run]) at the committed value
function legend(pay, run, idx) {
  const label = pay.legend && pay.legend[idx];
  const item = typeof label === "string" && document.querySelector(`.legend .item[data-run="${run}"]`);
  const text = item && item.lastChild;
  if (text && text.nodeType === 3) text.textContent = label;
}

function schedule(key, input) {
  S.queued = { key, input };
  if (S.raf) return;
  S.raf = requestAnimationFrame(() => {
    S.raf = 0;
    const q = S.queued;
    S.queued = null;
    if (q) draw(q.key, q.input);
  });
}

// A rerun's chart replaced the map (ui/hold.js): if the slider moved on meanwhile (keys pressed quickly), draw its
// value on the new map at once rather than wait for that value's own rerun.
if (typeof window !== "undefined") {
  window.addEventListener("optviz:chart-drawn", () => {
    const s = S.active && !S.pressed ? S.sliders.get(S.active) : null;
    const input = s && document.querySelector(`.st-key-${s.key} input[type=range]`);
    if (input && Number(input.value) !== s.index) schedule(s.key, input);
  });
}

// ------------------------------------------------------------------------------------------------ wiring
// Ask a moment after the pointer arrives or the focus lands (not on every pointer crossing a slider on its
// way elsewhere); a press asks at once. A key press's own rerun then starts before the fragment's.
let askTimer = 0;
function onEnter(e) {
  const key = sliderKey(e.target);
  if (!key) return;
  S.active = key;
  clearTimeout(askTimer);
  if (e.type === "pointerdown") S.pressed = key;
  if (e.type === "pointerdown") ask(key);
  else askTimer = setTimeout(() => { if (S.active === key) ask(key); }, 150);
}

function onMutations(list) {
  for (const m of list) {
    const input = m.target;
    if (!input || input.type !== "range") continue;
    const key = sliderKey(input);
    if (key) schedule(key, input);
  }
}

function onChart(gd) {
  if (!gd || gd.__optvizScrub) return;
  gd.__optvizScrub = true;
  const end = () => {
    if (S.preview && S.preview.gd === gd) endPreview();
  };
  // new axes (a resize, a zoom): draw the preview again through them
  const again = () => {
    const p = S.preview;
    if (!p || p.gd !== gd) return;
    const s = S.sliders.get(p.key);
    const input = s && document.querySelector(`.st-key-${s.key} input[type=range]`);
    p.idx = -1;
    if (input) schedule(p.key, input);
  };
  if (!gd.on) return;
  gd.on("plotly_afterplot", end);
  gd.on("plotly_animating", end);
  gd.on("plotly_relayout", again);
  gd.on("plotly_resize", again);
}

export default function (component) {
  const { data, setTriggerValue } = component;
  const msg = decode(data);
  if (!msg) return;
  remember(msg);
  S.setTrigger = setTriggerValue;
  S.text = msg.head.text || {};
  S.commit = msg.head.commit === true;
  const before = S.sliders;
  S.sliders = new Map((msg.head.sliders || []).map((s) => [s.key, s]));
  // the index each slider shows now (what the map draws): the thumb back there ends the preview
  for (const s of S.sliders.values()) {
    const old = before.get(s.key);
    if (old && old.id !== s.id && S.preview && S.preview.key === s.key) endPreview();
    // the rerun drew the value the preview shows: the map is exact now
    if (S.preview && S.preview.key === s.key && S.preview.idx === s.index) endPreview();
  }
  const cleanups = [];
  const on = (type, fn) => {
    document.addEventListener(type, fn, true);
    cleanups.push(() => document.removeEventListener(type, fn, true));
  };
  on("pointerover", onEnter);
  on("focusin", onEnter);
  on("pointerdown", onEnter);
  const letGo = () => {
    S.pressed = null;
    const p = S.preview;
    if (!p) return;
    const s = S.sliders.get(p.key);
    const input = s && document.querySelector(`.st-key-${s.key} input[type=range]`);
    if (!input) return;
    // the thumb let go where the map already is: nothing will rerun, end the preview now
    if (Number(input.value) === s.index && !(S.committed && S.committed.gd === p.gd)) { endPreview(); return; }
    p.idx = -1;
    draw(p.key, input);  // no longer pressed: the value let go is committed (or the overlay stays for the rerun)
  };
  on("pointerup", letGo);
  on("pointercancel", letGo);
  const mo = new MutationObserver(onMutations);
  mo.observe(document.body, { subtree: true, attributes: true, attributeFilter: ["aria-valuetext"] });
  cleanups.push(() => mo.disconnect());
  // follow the chart: attach to the current one (and to a new one when Streamlit replaces it)
  const tick = setInterval(() => onChart(contour()), 500);
  onChart(contour());
  cleanups.push(() => clearInterval(tick));
  if (S.active) ask(S.active);
  return () => cleanups.forEach((c) => c());
}
