// The DOM panels beside the stage: clock and counters, lag per partition over time (a small
// hand-drawn canvas chart: a chart library would outweigh the whole wasm module for two line
// plots), throughput, and the event log in plain sentences inside an ARIA live region.
// Everything user- or scenario-provided is written with textContent, never as HTML.

import { Namer, NOTABLE, sentence, formatMs } from "./sentences.js";
import { THEMES, memberColor } from "./palette.js";

const LOG_MAX = 150;
const LOG_LINES_PER_BATCH = 40; // at 100× a batch can hold thousands of events
const SAMPLE_EVERY_MS = 250; // simulated ms between lag samples
const SAMPLES_MAX = 160;

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-") || k.startsWith("aria-") || k === "role" || k === "id" || k === "tabindex" || k === "title") e.setAttribute(k, v);
    else e[k] = v;
  }
  if (text !== undefined) e.textContent = text;
  return e;
}

export class Panels {
  /**
   * @param {HTMLElement} root  container (the side column)
   * @param {import("./controller.js").Controller} controller
   * @param {{compact?: boolean}} opts
   */
  constructor(root, controller, opts = {}) {
    this.controller = controller;
    this.theme = THEMES.light;
    this.verbose = false;
    this.root = root;

    const counters = el("dl", { class: "mr-counters", "data-testid": "counters" });
    this.fields = {};
    for (const [k, label] of [["clock", "time"], ["produced", "produced"], ["leo", "log-end total"], ["processed", "processed"], ["lag", "lag now"], ["duplicates", "duplicates"], ["lost", "lost"], ["rebalances", "rebalances"], ["rate", "in / out per s"]]) {
      const wrap = el("div", { class: `mr-counter mr-c-${k}` });
      wrap.append(el("dt", {}, label));
      this.fields[k] = el("dd", { "data-testid": `count-${k}` }, "0");
      wrap.append(this.fields[k]);
      counters.append(wrap);
    }

    const chartBox = el("figure", { class: "mr-chart" });
    this.chart = el("canvas", { "aria-label": "Lag per partition over time", role: "img" });
    chartBox.append(el("figcaption", {}, "lag per partition (records behind the committed offset)"), this.chart);

    const logHead = el("div", { class: "mr-loghead" });
    logHead.append(el("h3", {}, "What happened"));
    const verboseLabel = el("label", { class: "mr-verbose" });
    this.verboseBox = el("input", { type: "checkbox" });
    this.verboseBox.addEventListener("change", () => { this.verbose = this.verboseBox.checked; });
    verboseLabel.append(this.verboseBox, document.createTextNode(" every event"));
    logHead.append(verboseLabel);
    this.log = el("ol", { class: "mr-log", "aria-live": "polite", "aria-relevant": "additions", "data-testid": "event-log", tabindex: "0", "aria-label": "Event log" });

    root.append(counters);
    if (!opts.compact) root.append(chartBox);
    root.append(logHead, this.log);
    this.chartVisible = !opts.compact;

    this.samples = [];
    this.lastSampleMs = -Infinity;
    this.rate = { t: 0, produced: 0, processed: 0, inRate: 0, outRate: 0 };
    this.namer = new Namer(controller.scenario());

    controller.on("reset", ({ scenario }) => {
      this.namer = new Namer(scenario);
      this.log.replaceChildren();
      this.samples = [];
      this.lastSampleMs = -Infinity;
      this.rate = { t: 0, produced: 0, processed: 0, inRate: 0, outRate: 0 };
    });
    controller.on("events", (batch) => this.onEvents(batch));
  }

  setTheme(name) {
    this.theme = THEMES[name] ?? THEMES.light;
  }

  onEvents(batch) {
    const lines = [];
    let skipped = 0;
    for (const ev of batch) {
      this.namer.observe(ev);
      if (!this.verbose && !NOTABLE.has(ev.type)) continue;
      if (!this.verbose && ev.type === "GroupStateChanged" && ev.state !== "Stable" && ev.state !== "Empty") continue;
      if (lines.length >= LOG_LINES_PER_BATCH) { skipped++; continue; }
      lines.push(ev);
    }
    // A seek replays from 0: only the tail of a long batch is worth writing to the DOM.
    const tail = lines.slice(-LOG_MAX);
    for (const ev of tail) {
      const li = el("li", { "data-type": ev.type });
      li.append(el("time", {}, formatMs(ev.at_ms)), document.createTextNode(" " + sentence(ev, this.namer)));
      if (ev.type === "ConsumerCrashed" || ev.type === "RecordsLost" || ev.type === "SessionExpired") li.classList.add("mr-bad");
      if (ev.type === "DuplicatesProcessed" || ev.type === "CommitFailed") li.classList.add("mr-warn");
      this.log.append(li);
    }
    if (skipped) this.log.append(el("li", { class: "mr-more" }, `…and ${skipped} more events at this moment`));
    while (this.log.childElementCount > LOG_MAX) this.log.firstElementChild.remove();
    if (tail.length || skipped) this.log.scrollTop = this.log.scrollHeight;
  }

  /** Reads the snapshot into counters and the chart; called a few times a second. */
  update(snap) {
    const f = this.fields;
    const now = snap.now_ms;
    const produced = snap.producers.reduce((a, p) => a + p.produced, 0);
    const leo = snap.topics.reduce((a, t) => a + t.partitions.reduce((b, p) => b + p.log_end_offset, 0), 0);
    const sum = (k) => snap.groups.reduce((a, g) => a + g[k], 0);
    const lagNow = snap.groups.reduce((a, g) => a + g.partitions.reduce((b, p) => b + p.lag, 0), 0);
    f.clock.textContent = formatMs(now);
    f.produced.textContent = String(produced);
    f.leo.textContent = String(leo);
    f.processed.textContent = String(sum("processed"));
    f.lag.textContent = String(lagNow);
    f.duplicates.textContent = String(sum("duplicates"));
    f.lost.textContent = String(sum("lost"));
    f.rebalances.textContent = String(sum("rebalances"));
    f.duplicates.parentElement.classList.toggle("mr-warn", sum("duplicates") > 0);
    f.lost.parentElement.classList.toggle("mr-bad", sum("lost") > 0);

    // throughput over the last simulated second or so
    const r = this.rate;
    if (now - r.t >= 1000 || now < r.t) {
      const dt = (now - r.t) / 1000;
      if (now > r.t && dt > 0) {
        r.inRate = (produced - r.produced) / dt;
        r.outRate = (sum("processed") - r.processed) / dt;
      }
      Object.assign(r, { t: now, produced, processed: sum("processed") });
    }
    f.rate.textContent = `${r.inRate.toFixed(1)} / ${r.outRate.toFixed(1)}`;

    if (now - this.lastSampleMs >= SAMPLE_EVERY_MS || now < this.lastSampleMs) {
      this.lastSampleMs = now;
      const g = snap.groups[0];
      if (g) {
        this.samples.push({ t: now, lags: g.partitions.map((p) => p.lag), owners: g.partitions.map((p) => p.owner) });
        if (this.samples.length > SAMPLES_MAX) this.samples.shift();
      }
      if (this.chartVisible) this.drawChart();
    }
  }

  drawChart() {
    const c = this.chart;
    const dpr = window.devicePixelRatio || 1;
    const r = c.getBoundingClientRect();
    if (!r.width) return;
    c.width = Math.round(r.width * dpr);
    c.height = Math.round(r.height * dpr);
    const ctx = c.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const th = this.theme;
    ctx.fillStyle = th.panel;
    ctx.fillRect(0, 0, r.width, r.height);
    const s = this.samples;
    if (s.length < 2) return;
    const maxLag = Math.max(5, ...s.flatMap((x) => x.lags));
    const nP = s[s.length - 1].lags.length;
    // newest sample at the right edge; the history scrolls left
    const x = (i) => r.width - 4 - (s.length - 1 - i) * ((r.width - 32) / (SAMPLES_MAX - 1));
    const y = (v) => r.height - 12 - (v / maxLag) * (r.height - 20);
    ctx.strokeStyle = th.faint;
    ctx.beginPath();
    ctx.moveTo(28, y(0));
    ctx.lineTo(r.width - 4, y(0));
    ctx.stroke();
    ctx.fillStyle = th.muted;
    ctx.font = "10px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    ctx.fillText(String(maxLag), 2, y(maxLag));
    ctx.fillText("0", 2, y(0));
    // big topics: only the partitions with the most lag, to keep the chart readable
    const order = [...Array(nP).keys()].sort((a, b) => (s[s.length - 1].lags[b] ?? 0) - (s[s.length - 1].lags[a] ?? 0)).slice(0, 12);
    for (const p of order) {
      const owner = s[s.length - 1].owners[p];
      ctx.strokeStyle = owner === null || owner === undefined ? th.noKey : memberColor(owner, th);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      s.forEach((smp, i) => {
        const v = smp.lags[p] ?? 0;
        i ? ctx.lineTo(x(i), y(v)) : ctx.moveTo(x(i), y(v));
      });
      ctx.stroke();
    }
  }
}

export { el };
