// The share link with a copy button (a components-v2 element: in the page, no iframe). It replaces st.code,
// whose syntax-highlighter bundle (1.5 MB) the page otherwise loads before its first chart.
// The link is set as the input's value and the button's words as textContent: nothing is parsed as HTML.
export default function (component) {
  const { data, parentElement } = component;
  const d = data || {};
  const root = parentElement.querySelector(".sh-root");
  if (!root) return;
  const box = root.querySelector(".sh-link");
  const btn = root.querySelector(".sh-copy");
  box.value = String(d.link || "");
  box.setAttribute("aria-label", String(d.label || "share link"));
  const idle = String(d.copy || "Copy");
  btn.textContent = idle;
  let timer = null;
  const done = (word) => {
    btn.textContent = word;
    clearTimeout(timer);
    timer = setTimeout(() => { btn.textContent = idle; }, 1600);
  };
  const copy = async () => {
    box.focus();
    box.select();
    try {
      await navigator.clipboard.writeText(box.value);
      done(String(d.copied || "Copied"));
    } catch (e) {
      // no clipboard permission (http on a LAN address): the link is selected, Ctrl+C copies it
      let ok = false;
      try { ok = document.execCommand("copy"); } catch (e2) { ok = false; }
      done(ok ? String(d.copied || "Copied") : String(d.select || "Selected: press Ctrl+C"));
    }
  };
  btn.onclick = copy;
  box.onfocus = () => box.select();
  return () => { clearTimeout(timer); btn.onclick = null; box.onfocus = null; };
}
