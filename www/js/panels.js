// The DOM panels beside the stage (under it on narrow screens): clock and counters, lag per
// partition over time for a chosen group and a throughput sparkline (drawn by charts.js), and the
// event log in plain sentences inside an ARIA live region.
// Everything user- or scenario-provided is written with textContent, never as HTML.

import { Namer, NOTABLE, sentence, formatMs } from "./sentences.js";
import { THEMES } from "./palette.js";
import { drawLagChart, drawSparkline } from "./charts.js";

const LOG_MAX = 150;
const LOG_LINES_PER_BATCH = 40; // at 100× a batch can hold thousands of events
const SAMPLE_EVERY_MS = 250; // simulated ms between lag samples
const SAMPLES_MAX = 160;
const RATES_MAX = 60; // one throughput sample per simulated second

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

    const chartBox = el("figure", { class: "mr-chart", "data-testid": "lag-chart" });
    this.chartBox = chartBox;
    const cap = el("figcaption", {});
    this.groupPick = el("select", { "aria-label": "Group shown in the lag chart", "data-testid": "lag-group", hidden: true });
    this.groupPick.addEventListener("change", () => { this.chartGroup = Number(this.groupPick.value) || 0; this.drawChart(); });
    cap.append(document.createTextNode("lag per partition (records behind the committed offset) "), this.groupPick);
    this.chart = el("canvas", { "aria-label": "Lag per partition over time", role: "img" });
    this.lagReadout = el("p", { class: "mr-readout", "data-testid": "lag-readout" });
    chartBox.append(cap, this.chart, this.lagReadout);
    const tputBox = el("figure", { class: "mr-spark", "data-testid": "throughput" });
    this.spark = el("canvas", { "aria-label": "Throughput over time: records in and out per second", role: "img" });
    this.tputReadout = el("figcaption", { "data-testid": "throughput-readout" }, "in — / out — per s");
    tputBox.append(this.tputReadout, this.spark);
    this.chartGroup = 0;

    const logHead = el("div", { class: "mr-loghead" });
    logHead.append(el("h3", {}, "What happened"));
    const verboseLabel = el("label", { class: "mr-verbose" });
    this.verboseBox = el("input", { type: "checkbox" });
    this.verboseBox.addEventListener("change", () => { this.verbose = this.verboseBox.checked; });
    verboseLabel.append(this.verboseBox, document.createTextNode(" every event"));
    logHead.append(verboseLabel);
    this.log = el("ol", { class: "mr-log", "aria-live": "polite", "aria-relevant": "additions", "data-testid": "event-log", tabindex: "0", "aria-label": "Event log" });

    root.append(counters);
    if (!opts.compact) root.append(chartBox, tputBox);
    root.append(logHead, this.log);
    this.chartVisible = !opts.compact;

    this.samples = []; // [{t, groups: [{lags[], owners[]}]}]
    this.rates = []; // [{t, in, out}]
    this.lastSampleMs = -Infinity;
    this.rate = { t: 0, produced: 0, processed: 0, inRate: 0, outRate: 0 };
    this.groupsKey = "";
    this.namer = new Namer(controller.scenario());

    controller.on("reset", ({ scenario }) => {
      this.namer = new Namer(scenario);
      this.log.replaceChildren();
      this.samples = [];
      this.rates = [];
      this.lastSampleMs = -Infinity;
      this.rate = { t: 0, produced: 0, processed: 0, inRate: 0, outRate: 0 };
      this.groupsKey = "";
    });
    controller.on("events", (batch) => this.onEvents(batch));
    // History replayed by a seek; drawn by the next update(), which may see no new sample itself.
    controller.on("sample", (snap) => { if (this._sample(snap)) this.chartDirty = true; });
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
      if (now > 0) {
        this.rates.push({ t: now, in: r.inRate, out: r.outRate });
        if (this.rates.length > RATES_MAX) this.rates.shift();
      }
      if (this.chartVisible) drawSparkline(this.spark, this.rates, this.theme, RATES_MAX);
    }
    f.rate.textContent = `${r.inRate.toFixed(1)} / ${r.outRate.toFixed(1)}`;
    this.tputReadout.textContent = `throughput: in ${r.inRate.toFixed(1)} / out ${r.outRate.toFixed(1)} records per s`;
    this._syncGroupPick(snap);

    if (this._sample(snap) || this.chartDirty) {
      this.chartDirty = false;
      this.drawChart();
    }
  }

  /** Records the lag of every group's partitions if SAMPLE_EVERY_MS passed; true if it did. */
  _sample(snap) {
    const now = snap.now_ms;
    if (now - this.lastSampleMs < SAMPLE_EVERY_MS && now >= this.lastSampleMs) return false;
    this.lastSampleMs = now;
    if (snap.groups.length) {
      this.samples.push({ t: now, groups: snap.groups.map((g) => ({ lags: g.partitions.map((p) => p.lag), owners: g.partitions.map((p) => p.owner) })) });
      if (this.samples.length > SAMPLES_MAX) this.samples.shift();
    }
    return true;
  }

  /** The group picker appears when several groups read; its options follow the groups' names. */
  _syncGroupPick(snap) {
    const key = snap.groups.map((g) => g.id).join("\u0000");
    if (key === this.groupsKey) return;
    this.groupsKey = key;
    this.groupPick.replaceChildren(...snap.groups.map((g, i) => el("option", { value: String(i) }, g.id)));
    if (this.chartGroup >= snap.groups.length) this.chartGroup = 0;
    this.groupPick.value = String(this.chartGroup);
    this.groupPick.hidden = snap.groups.length < 2;
  }

  /** Redraws the lag chart for the chosen group and writes its text readout. */
  drawChart() {
    const gi = this.chartGroup;
    const samples = this.samples.filter((x) => x.groups[gi]).map((x) => ({ t: x.t, ...x.groups[gi] }));
    const chosen = this.chartVisible ? drawLagChart(this.chart, samples, this.theme, SAMPLES_MAX) : null;
    if (!chosen) return;
    const last = samples[samples.length - 1];
    const total = last ? last.lags.reduce((a, b) => a + b, 0) : 0;
    const name = this.namer.group(gi);
    const top = chosen.lines.filter((l) => l.partition !== null).slice(0, 3).map((l) => `${l.label} ${l.now}`).join(", ");
    this.lagReadout.textContent = `${name} · ${last?.lags.length ?? 0} partitions · total lag ${total}${chosen.mode === "total+top" ? ` (showing total + top ${chosen.lines.length - 1})` : ""}${top ? ` · most behind: ${top}` : ""}`;
    Object.assign(this.chartBox.dataset, { group: String(gi), mode: chosen.mode, lines: String(chosen.lines.length) });
  }
}

export { el };
