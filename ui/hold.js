// Hold the old picture while Streamlit replaces a chart (part of the playback bar's module: ui/player.py puts
// this file before player.js).
//
// Why: a rerun that changes a figure makes Streamlit 1.67 mount a new element container for the chart (the
// element's identity includes its figure) before the old one, and keep the old one, stale and hidden
// (data-retained: display none), until the script run ends. The new chart is drawn hidden (visibility: hidden
// until Streamlit has measured its width), then drawn again, visible. Measured in headless Chromium on the
// 6 runs × 500 steps scene after an arrow key on an lr slider: for 80–220 ms of every rerun no map was shown
// (benchmarks/app.py counts these "blank frames").
//
// How: a MutationObserver on the parent of each watched chart's container (st-key-<key>; the parent stays)
// sees the new container arrive. The old container — the real chart, as drawn — is shown again, laid over the
// new one's place (position: absolute, no pointer events; the new one keeps its room in the flow and is drawn
// underneath), until the new chart is drawn at its width and visible, or the bar hides that side view; then the
// old one is hidden until Streamlit removes it (at most 3 s of holding). When a quick rerun's messages come
// together, the old one is gone at once: a copy of its picture (holdSnapshot) stands in for it. (Taking the new
// one out of the flow instead broke a select box's dropdown beside it in Chromium: measured, dropped.) Nothing
// here reads page text; it copies nodes Plotly drew.

const HOLD = { parents: new WeakSet(), keys: new Set(), snaps: new Map(), max: 3000, count: 0, log: [], inputs: false };
if (typeof window !== "undefined") window.__optvizHold = HOLD;

const HOLD_KEY_RE = /(?:^|\s)st-key-([A-Za-z0-9_-]+)(?:\s|$)/;

function holdKeyOf(node) {
  const m = node.nodeType === 1 && typeof node.className === "string" ? HOLD_KEY_RE.exec(node.className) : null;
  return m && HOLD.keys.has(m[1]) ? m[1] : null;
}

// a container's chart is drawn, at its own width, and visible
function holdDrawn(box) {
  const gd = box.querySelector(".js-plotly-plot");
  if (!gd || !gd._fullLayout || !gd.querySelector(".main-svg")) return false;
  if (gd.style.visibility === "hidden") return false;  // Streamlit's: drawn before it knows the width
  const w = gd._fullLayout.width;
  return !(w > 0) || Math.abs(w - gd.getBoundingClientRect().width) <= 2;
}

// the newest container of `key` in parent that is laid out (a rerun inserts its new one first)
function holdNewest(parent, key, skip) {
  return [...parent.children].find(
    (c) => c !== skip && holdKeyOf(c) === key && getComputedStyle(c).display !== "none") || null;
}

// The chart of `key` the user sees now: the old one while it is held over the new one (ui/scrub.js draws there).
HOLD.shown = (key) => {
  const boxes = [...document.querySelectorAll(`.st-key-${key}`)];
  const held = boxes.find((b) => b.__optvizHeld && !b.__optvizHeld.done);
  const box = held || boxes[0];
  return box ? box.querySelector(".js-plotly-plot") : null;
};

function holdStart(parent, newBox, old) {
  let box = newBox;
  const gd = old.querySelector(".js-plotly-plot");
  if (old.__optvizHeld || !gd || !gd._fullLayout || !gd.querySelector(".main-svg")) return;
  if (gd.style.visibility === "hidden") return;  // never drawn visible: nothing to hold
  if (getComputedStyle(parent).position === "static") parent.style.position = "relative";
  const rec = { raf: 0, t0: performance.now(), done: false, style: old.style.cssText, snap: null };
  old.__optvizHeld = rec;
  // a copy too, should Streamlit drop the old one before the new one is drawn (quick reruns): ~1 ms
  const svgc = gd.querySelector(".svg-container");
  if (svgc && !svgc.querySelector("canvas")) {
    const copy = svgc.cloneNode(true);
    copy.querySelectorAll(".modebar-container").forEach((m) => m.remove());
    rec.snap = { gd, copy, w: svgc.clientWidth, h: svgc.clientHeight };
  }
  // Streamlit hides a retained stale element (display: none) and fades a stale one: neither while held. The old
  // one is laid over the new one's place (which keeps its room in the flow, drawn hidden underneath).
  const keep = (el, k, v) => el.style.setProperty(k, v, "important");
  keep(old, "display", getComputedStyle(box).display === "none" ? "flex" : getComputedStyle(box).display);
  keep(old, "opacity", "1");
  keep(old, "transition", "none");
  keep(old, "pointer-events", "none");
  keep(old, "position", "absolute");
  const place = () => {
    keep(old, "left", box.offsetLeft + "px");
    keep(old, "top", box.offsetTop + "px");
    keep(old, "width", box.getBoundingClientRect().width + "px");
  };
  place();
  keep(old, "z-index", "5");
  HOLD.count += 1;
  const release = (why) => {
    cancelAnimationFrame(rec.raf);
    rec.done = true;
    // its own style again: Streamlit's rule hides it until the run ends (or shows it, should it use it again)
    old.style.cssText = rec.style;
    old.__optvizHeld = null;
    HOLD.log.push({ held: performance.now() - rec.t0, why });
    if (HOLD.log.length > 200) HOLD.log.splice(0, 100);
    window.dispatchEvent(new CustomEvent("optviz:chart-drawn", { detail: { box } }));
  };
  const key = holdKeyOf(box);
  const check = () => {
    if (!box.isConnected || getComputedStyle(box).display === "none") {
      // a newer rerun replaced the new chart before it was drawn (keys pressed quickly): hold over that one
      const next = holdNewest(parent, key, old);
      if (next) { box = next; place(); }
    }
    if (!old.isConnected && box.isConnected && !holdDrawn(box) && rec.snap) {
      // Streamlit dropped the old one first: its copy stands in
      HOLD.snaps.set(key, rec.snap);
      release("old gone, copied");
      holdCopy(parent, box, old, key);
    } else if (!old.isConnected) release("old gone");
    else if (!box.isConnected) release("new gone");
    else if (box.style.visibility === "hidden") release("hidden");  // the bar hides a side view (hold_sides)
    else if (holdDrawn(box)) release("drawn");
    else if (performance.now() - rec.t0 > HOLD.max) release("timeout");
    else rec.raf = requestAnimationFrame(check);
  };
  rec.raf = requestAnimationFrame(check);
}

// A copy of the charts as they are drawn now (~0.5–1.5 ms a chart, measured on the map and the loss curves of
// the heavy scene). Taken on every input that may start a rerun, and by ui/scrub.js after it changed the map:
// when a quick rerun's messages come together, Streamlit mounts the new chart and drops the old one in one go
// (Plotly.purge has emptied it by the time anything sees it), and the copy is all that is left of the picture.
function holdSnapshot(keys) {
  for (const key of keys || HOLD.keys) {
    const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
    const svgc = gd && gd.querySelector(".svg-container");
    if (!svgc || !svgc.querySelector(".main-svg") || svgc.querySelector("canvas")) { HOLD.snaps.delete(key); continue; }
    if (gd.style.visibility === "hidden") continue;  // not drawn yet: nothing to copy
    const copy = svgc.cloneNode(true);
    copy.querySelectorAll(".modebar-container").forEach((m) => m.remove());
    HOLD.snaps.set(key, { gd, copy, w: svgc.clientWidth, h: svgc.clientHeight });
  }
}
HOLD.snapshot = holdSnapshot;

function holdCopy(parent, newBox, gone, key) {
  let box = newBox;
  const snap = HOLD.snaps.get(key);
  if (!snap || !gone.contains(snap.gd) || !(snap.w > 0 && snap.h > 0)) return;
  HOLD.snaps.delete(key);
  if (getComputedStyle(parent).position === "static") parent.style.position = "relative";
  const layer = document.createElement("div");
  layer.className = "optviz-hold";
  layer.setAttribute("aria-hidden", "true");
  layer.style.cssText = `position:absolute;left:${box.offsetLeft}px;top:${box.offsetTop}px;width:${snap.w}px;` +
    `height:${snap.h}px;pointer-events:none;z-index:5;overflow:hidden`;
  layer.appendChild(snap.copy);
  parent.appendChild(layer);
  const rec = { raf: 0, t0: performance.now() };
  HOLD.count += 1;
  const release = (why) => {
    cancelAnimationFrame(rec.raf);
    layer.remove();
    HOLD.log.push({ held: performance.now() - rec.t0, why, copy: true });
    window.dispatchEvent(new CustomEvent("optviz:chart-drawn", { detail: { box } }));
  };
  const check = () => {
    if (!box.isConnected || getComputedStyle(box).display === "none") {
      const next = holdNewest(parent, key, null);  // replaced again before it was drawn: follow the newest
      if (next) {
        box = next;
        layer.style.left = box.offsetLeft + "px";
        layer.style.top = box.offsetTop + "px";
      }
    }
    if (!box.isConnected) release("new gone");
    else if (box.style.visibility === "hidden") release("hidden");  // the bar hides a side view (hold_sides)
    else if (holdDrawn(box)) release("drawn");
    else if (performance.now() - rec.t0 > HOLD.max) release("timeout");
    else rec.raf = requestAnimationFrame(check);
  };
  rec.raf = requestAnimationFrame(check);
}

function holdOnMutations(parent, records) {
  const gone = new Map();  // key -> an old container that left in this same batch
  for (const m of records) {
    for (const node of m.removedNodes) {
      const key = holdKeyOf(node);
      if (key) gone.set(key, node);
    }
  }
  for (const m of records) {
    for (const node of m.addedNodes) {
      const key = holdKeyOf(node);
      if (!key || !node.isConnected) continue;
      let held = false;
      for (const old of parent.children) {
        if (old !== node && holdKeyOf(old) === key) { holdStart(parent, node, old); held = true; }
      }
      if (!held && gone.has(key)) holdCopy(parent, node, gone.get(key), key);
    }
  }
}

// Watch the containers of these chart keys (idempotent: call on every rerun).
function holdCharts(keys) {
  if (!HOLD.inputs) {
    HOLD.inputs = true;
    for (const type of ["keydown", "pointerup", "change"]) {
      document.addEventListener(type, () => holdSnapshot(), { capture: true, passive: true });
    }
  }
  for (const key of keys) {
    HOLD.keys.add(key);
    const box = document.querySelector(`.st-key-${key}`);
    const parent = box && box.parentElement;
    if (!parent || HOLD.parents.has(parent)) continue;
    HOLD.parents.add(parent);
    new MutationObserver((records) => holdOnMutations(parent, records)).observe(parent, { childList: true });
  }
}
