// Two small hand-drawn canvas charts for the side panel: lag per partition over time, and a
// throughput sparkline. Hand-drawn because a chart library would outweigh the wasm module for two
// line plots, and because the canvas must follow the page's theme and the CSP (no inline styles).

import { memberColor } from "./palette.js";

/** With more partitions than this, the lag chart shows the total plus the TOP_N worst. */
export const ALL_LINES_MAX = 12;
export const TOP_N = 5;

/** Sizes the backing store to the CSS box × DPR; returns {ctx, w, h} or null when not laid out. */
const sizes = new WeakMap(); // canvas → its CSS size, refreshed by a ResizeObserver
const observer = typeof ResizeObserver === "function" ? new ResizeObserver((es) => { for (const e of es) sizes.delete(e.target); }) : null;

/** The canvas's CSS size, read from the layout only after it changed (no forced layout per draw). */
function cssSize(canvas) {
  let r = sizes.get(canvas);
  if (!r) {
    const b = canvas.getBoundingClientRect();
    r = { width: b.width, height: b.height };
    if (observer && r.width && r.height) { sizes.set(canvas, r); observer.observe(canvas); }
  }
  return r;
}

function prepare(canvas, theme) {
  const dpr = window.devicePixelRatio || 1;
  const r = cssSize(canvas);
  if (!r.width || !r.height) return null;
  const w = Math.round(r.width * dpr), h = Math.round(r.height * dpr);
  // Assigning the size reallocates the backing store even when unchanged: only on a resize.
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = theme.panel;
  ctx.fillRect(0, 0, r.width, r.height);
  ctx.font = "10px system-ui, sans-serif";
  ctx.textBaseline = "middle";
  return { ctx, w: r.width, h: r.height };
}

function polyline(ctx, pts) {
  ctx.beginPath();
  pts.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
  ctx.stroke();
}

/**
 * Which lines the lag chart shows for these samples ([{t, lags[], owners[]}] of one group):
 * every partition when there are few, else the total and the TOP_N partitions lagging most now.
 * @returns {{mode: "partitions"|"total+top", lines: {label: string, partition: number|null, now: number}[]}}
 */
export function lagLines(samples) {
  const last = samples[samples.length - 1];
  if (!last) return { mode: "partitions", lines: [] };
  const n = last.lags.length;
  // Groups too big for per-partition series (the core keeps the total and the worst partition)
  if (!n && last.total !== undefined) return { mode: "total+max", lines: [{ label: "total", partition: null, now: last.total }, { label: "worst partition", partition: null, kind: "max", now: last.max }] };
  const byLag = [...Array(n).keys()].sort((a, b) => last.lags[b] - last.lags[a] || a - b);
  if (n <= ALL_LINES_MAX) return { mode: "partitions", lines: byLag.map((p) => ({ label: `P${p}`, partition: p, now: last.lags[p] })) };
  const total = last.total ?? last.lags.reduce((a, b) => a + b, 0);
  return { mode: "total+top", lines: [{ label: "total", partition: null, now: total }, ...byLag.slice(0, TOP_N).map((p) => ({ label: `P${p}`, partition: p, now: last.lags[p] }))] };
}

/** Draws lag over time ([{t, lags[], owners[], total?, max?}]); the newest sample at the right edge. Returns what lagLines chose. */
export function drawLagChart(canvas, samples, theme, maxSamples) {
  const chosen = lagLines(samples);
  const c = prepare(canvas, theme);
  if (!c || samples.length < 2) return chosen;
  const { ctx, w, h } = c;
  const value = (smp, line) => (line.kind === "max" ? smp.max : line.partition === null ? smp.total ?? smp.lags.reduce((a, b) => a + b, 0) : smp.lags[line.partition] ?? 0);
  const maxLag = Math.max(5, ...chosen.lines.flatMap((line) => samples.map((smp) => value(smp, line))));
  const x = (i) => w - 4 - (samples.length - 1 - i) * ((w - 32) / (maxSamples - 1));
  const y = (v) => h - 10 - (v / maxLag) * (h - 18);
  ctx.strokeStyle = theme.faint;
  polyline(ctx, [[28, y(0)], [w - 4, y(0)]]);
  ctx.fillStyle = theme.muted;
  ctx.fillText(String(maxLag), 2, y(maxLag));
  ctx.fillText("0", 2, y(0));
  // Draw the quiet lines first and the worst last, so the worst is on top.
  for (const line of [...chosen.lines].reverse()) {
    const owner = line.partition === null ? null : samples[samples.length - 1].owners[line.partition];
    ctx.strokeStyle = line.kind === "max" ? theme.dup : line.partition === null ? theme.ink : owner === null || owner === undefined ? theme.noKey : memberColor(owner, theme);
    ctx.lineWidth = line.partition === null ? 2.5 : 1.5;
    polyline(ctx, samples.map((smp, i) => [x(i), y(value(smp, line))]));
  }
  ctx.lineWidth = 1;
  return chosen;
}

/** A two-line sparkline of records in / out per second ([{t, in, out}]). */
export function drawSparkline(canvas, rates, theme, maxSamples) {
  const c = prepare(canvas, theme);
  if (!c || rates.length < 2) return;
  const { ctx, w, h } = c;
  const max = Math.max(1, ...rates.map((r) => Math.max(r.in, r.out)));
  const x = (i) => w - 2 - (rates.length - 1 - i) * ((w - 4) / (maxSamples - 1));
  const y = (v) => h - 2 - (v / max) * (h - 4);
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = theme.line;
  polyline(ctx, rates.map((r, i) => [x(i), y(r.in)]));
  ctx.strokeStyle = theme.ok;
  polyline(ctx, rates.map((r, i) => [x(i), y(r.out)]));
  ctx.lineWidth = 1;
}
