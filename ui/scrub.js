// Live scrubbing of the hyperparameter sliders (a Streamlit components-v2 module: it runs in the page, no iframe).
// See ui/scrub.py for the design and the measurements behind it. In short:
//  - the sliders are Streamlit's select_sliders (a real <input type=range> whose value is the option index);
//  - pointer over / focus / touch on one: ask Python for that slider's paths (a trigger: reruns only this
//    element's fragment), which arrive as one binary blob and are kept here by their id;
//  - while the thumb moves (a MutationObserver sees the range input's aria-valuetext change), once per animation
//    frame: draw the dragged run's path and end marks for the value under the thumb in an SVG overlay on the
//    map, and hide the run's own traces (Plotly.restyle costs 150–250 ms an update here, the overlay < 1 ms);
//  - the overlay leaves when Plotly draws the chart again (the rerun after the release brings the exact
//    figure), when the playback starts, or at once when the thumb is back at the value the map shows.
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
  preview: null, // {gd, run, hidden: [elements], svg, caption, key, idx}
  queued: null, // {key, input} waiting for the next animation frame
  raf: 0,
  stats: { frames: 0, drawMs: [] }, // read by benchmarks/app.py and the e2e test
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
  return document.querySelector(".st-key-contour .js-plotly-plot");
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
  if (idx === s.index) { if (S.preview && S.preview.key === key) endPreview(); return; }
  if (!pay.ok[idx]) return;
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

// ------------------------------------------------------------------------------------------------ wiring
// Ask a moment after the pointer arrives or the focus lands (not on every pointer crossing a slider on its
// way elsewhere); a press asks at once. A key press's own rerun then starts before the fragment's.
let askTimer = 0;
function onEnter(e) {
  const key = sliderKey(e.target);
  if (!key) return;
  S.active = key;
  clearTimeout(askTimer);
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
  const before = S.sliders;
  S.sliders = new Map((msg.head.sliders || []).map((s) => [s.key, s]));
  // the index each slider shows now (what the map draws): the thumb back there ends the preview
  for (const s of S.sliders.values()) {
    const old = before.get(s.key);
    if (old && old.id !== s.id && S.preview && S.preview.key === s.key) endPreview();
  }
  const cleanups = [];
  const on = (type, fn) => {
    document.addEventListener(type, fn, true);
    cleanups.push(() => document.removeEventListener(type, fn, true));
  };
  on("pointerover", onEnter);
  on("focusin", onEnter);
  on("pointerdown", onEnter);
  on("pointerup", () => {
    // the thumb let go where the map already is: nothing will rerun, end the preview now
    const p = S.preview;
    if (!p) return;
    const s = S.sliders.get(p.key);
    const input = s && document.querySelector(`.st-key-${s.key} input[type=range]`);
    if (input && Number(input.value) === s.index) endPreview();
  });
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
