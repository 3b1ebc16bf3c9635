// Playback and layout for the Trajectories view (a Streamlit components-v2 module: it runs in the page, no
// iframe). Everything here happens in the browser, with no server round trip:
//  - play / pause / step / scrub the animation frames of the charts (window.Plotly.animate, promises caught:
//    Plotly rejects the promise of an interrupted animation, which its own Pause button left uncaught);
//  - a step cursor on the metric curves follows the frames;
//  - keys: Space play/pause, ← → one frame, Home / End, 1–9 the lessons of the header row;
//  - the map fills its column: its height is set so the plot area keeps the window's aspect (equal x/y scale)
//    and fits in the viewport;
//  - the settled step (after a pause, a step, a scrub) is reported to Python (state "step"), debounced.
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

  const chartDiv = (key) => document.querySelector(`.st-key-${key} .js-plotly-plot`);
  const animated = () => (d.charts || []).map(chartDiv).filter((g) => g && g._transitionData);

  function show(i, report = true) {
    cur = Math.min(Math.max(i, 0), n - 1);
    range.value = String(cur);
    stepBox.value = String(steps[cur] ?? cur);
    cursor(steps[cur]);
    reveal(cur === n - 1);
    if (report) scheduleReport();
  }

  // The blindfolded explorer (viz/blindfold.py): the surface picture and the minima appear only at the end.
  let revealed = null;
  function reveal(atEnd) {
    const g = chartDiv((d.charts || [])[0]);
    if (!g || !Plotly || !g.layout || !g.layout.meta || !g.layout.meta.blindfold || revealed === atEnd) return;
    revealed = atEnd;
    const n_images = (g.layout.images || []).length;
    const update = {};
    for (let k = 0; k < n_images; k++) update[`images[${k}].visible`] = atEnd;
    Plotly.relayout(g, update).catch(() => {});
    const stars = g.data.map((t, k) => (t.meta && t.meta.role === "minimum" ? k : -1)).filter((k) => k >= 0);
    if (stars.length) Plotly.restyle(g, { visible: atEnd }, stars).catch(() => {});
  }

  function cursor(step) {
    for (const key of d.cursors || []) {
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
        cur = i; range.value = String(i); stepBox.value = String(steps[i] ?? i); cursor(steps[i]); reveal(i === n - 1);
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
    if (e.ctrlKey || e.metaKey || e.altKey) return;
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
      const buttons = document.querySelectorAll('.st-key-lessons_row [class*="st-key-lesson_"]:not(.st-key-lesson_group) button');
      const b = buttons[Number(e.key) - 1];
      if (b) { e.preventDefault(); b.click(); }
    }
  };
  // capture phase: the page's scroll container handles Home / End / Space itself and would otherwise get them first
  window.addEventListener("keydown", onKey, true);
  cleanups.push(() => window.removeEventListener("keydown", onKey, true));

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
      if (cur !== n - 1) goto(cur); else show(cur, false);  // a view that starts at the first step
    }
    if (tries > 100) clearInterval(ready);
  }, 50);
  cleanups.push(() => clearInterval(ready));
  show(cur, false);

  return () => { pause(false); clearTimeout(reportTimer); cleanups.forEach((c) => c()); };
}
