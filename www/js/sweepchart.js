// Small-multiple charts of a what-if sweep: one SVG per figure, the figure (y) against the varied
// value (x), one point per run (per seed) and a line through each value's median. Points are
// buttons (focusable; Enter or Space or a click picks the run). Built with DOM calls only: values
// and labels come from the user and are set with textContent / attributes, never parsed as HTML.

/** The figures a sweep reports: [key, label, unit]. */
export const FIGURES = [
  ["max_lag", "max lag", "records"],
  ["p99_lag", "p99 lag", "records"],
  ["latency_p50_ms", "latency p50", "ms"],
  ["latency_p99_ms", "latency p99", "ms"],
  ["duplicates", "duplicates", "records"],
  ["lost", "lost", "records"],
  ["rebalances", "rebalances", ""],
  ["downtime_ms", "partition downtime", "ms"],
];

const SVG = "http://www.w3.org/2000/svg";
const W = 260, H = 150, L = 46, R = 8, T = 8, B = 30;

function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A short number: 1234567 → "1.2M". */
export function short(v) {
  if (v === null || v === undefined) return "–";
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(1)}k`;
  return String(v);
}

/** The lower median (as the core's summary and the native table take it). */
export function median(xs) {
  const s = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  return s.length ? s[(s.length - 1) >> 1] : null;
}

/**
 * Draws the charts into `root` (replacing what was there).
 * @param {HTMLElement} root
 * @param {{path: string, values: string[], results: object[], group?: number, figures?: string[],
 *          onPick?: (run: object) => void}} sweep
 */
export function renderSweepCharts(root, { path, values, results, group = 0, figures, onPick }) {
  const shown = FIGURES.filter(([k]) => !figures || figures.includes(k));
  const charts = shown.map(([key, label, unit]) => {
    const fig = document.createElement("figure");
    fig.className = "mr-sweep-chart";
    fig.dataset.figure = key;
    const cap = document.createElement("figcaption");
    cap.textContent = unit ? `${label} (${unit})` : label;
    const runs = results.filter((r) => r.groups[group]);
    const val = (r) => r.groups[group][key];
    const ys = runs.map(val).filter((v) => v !== null && v !== undefined);
    const top = Math.max(1, ...ys);
    const n = Math.max(1, values.length);
    const x = (i) => L + (n === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (n - 1));
    const y = (v) => T + (H - T - B) * (1 - v / top);
    const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "group", "aria-label": `${label} against ${path}` });
    s.append(
      svg("line", { x1: L, y1: T, x2: L, y2: H - B, stroke: "currentColor", "stroke-opacity": 0.4 }),
      svg("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "currentColor", "stroke-opacity": 0.4 }),
      svg("text", { x: L - 4, y: T + 4, "text-anchor": "end", "font-size": 10, fill: "currentColor" }, short(top)),
      svg("text", { x: L - 4, y: H - B, "text-anchor": "end", "font-size": 10, fill: "currentColor" }, "0"),
    );
    const every = Math.ceil(n / 8);
    values.forEach((v, i) => {
      if (i % every === 0 || i === n - 1) {
        s.append(svg("text", { x: x(i), y: H - B + 13, "text-anchor": "middle", "font-size": 10, fill: "currentColor" }, v.length > 10 ? `${v.slice(0, 9)}…` : v));
      }
    });
    s.append(svg("text", { x: (L + W - R) / 2, y: H - 3, "text-anchor": "middle", "font-size": 10, fill: "currentColor", "fill-opacity": 0.7 }, path));
    // The medians, joined.
    const meds = values.map((_, i) => median(runs.filter((r) => r.value_index === i).map(val)));
    const pts = meds.map((m, i) => (m === null ? null : `${x(i)},${y(m)}`)).filter(Boolean);
    if (pts.length > 1) s.append(svg("polyline", { points: pts.join(" "), fill: "none", stroke: "#3b82c4", "stroke-width": 1.5 }));
    for (const r of runs) {
      const v = val(r);
      if (v === null || v === undefined) continue;
      const desc = `${path} = ${r.value}${runs.some((o) => o.seed_index) ? ` (seed ${r.seed})` : ""}: ${label} ${v}${unit ? ` ${unit}` : ""}`;
      const dot = svg("circle", {
        cx: x(r.value_index), cy: y(v), r: 4.5, fill: "#3b82c4", stroke: "currentColor", "stroke-width": 1,
        tabindex: 0, role: "button", "aria-label": `${desc}. Open this run at its worst lag.`,
        "data-value-index": r.value_index, "data-seed-index": r.seed_index, "data-value": v, class: "mr-sweep-point",
      });
      dot.append(svg("title", {}, desc));
      const pick = () => onPick?.(r);
      dot.addEventListener("click", pick);
      dot.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); pick(); } });
      s.append(dot);
    }
    fig.append(cap, s);
    return fig;
  });
  root.replaceChildren(...charts);
}

/** A plain table of the same figures (one row per run), for reading and for screen readers. */
export function renderSweepTable(table, { path, results, group = 0 }) {
  const head = document.createElement("tr");
  for (const h of [path, "seed", ...FIGURES.map(([, l]) => l)]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = h;
    head.append(th);
  }
  const rows = results.filter((r) => r.groups[group]).map((r) => {
    const tr = document.createElement("tr");
    tr.dataset.valueIndex = r.value_index;
    for (const c of [r.value, r.seed, ...FIGURES.map(([k]) => r.groups[group][k])]) {
      const td = document.createElement("td");
      td.textContent = c === null || c === undefined ? "–" : String(c);
      tr.append(td);
    }
    return tr;
  });
  const thead = document.createElement("thead");
  thead.append(head);
  const tbody = document.createElement("tbody");
  tbody.append(...rows);
  table.replaceChildren(thead, tbody);
}
