// The DOM panels beside the stage (under it on narrow screens): clock and counters, lag per
// partition over time for a chosen group and a throughput sparkline (drawn by charts.js), and the
// event log in plain sentences inside an ARIA live region.
// Counters read the frame arrays; the chart and the sparkline read the time series the core keeps
// (Player series: bounded, down-sampled, and still there after a seek); the log reads story events.
// Everything user- or scenario-provided is written with textContent, never as HTML.

import { Namer, NOTABLE, sentence, formatMs } from "./sentences.js";
import { THEMES } from "./palette.js";
import { drawLagChart, drawSparkline } from "./charts.js";
import { GroupFigures } from "./groupfigures.js";
import { BrokerPanel } from "./brokerpanel.js";
import { countWords } from "./why.js";

const LOG_MAX = 150;
/** Counters whose figure opens the Why? panel: field → case kind (why.js). */
const WHY_COUNTERS = { duplicates: "duplicate", lost: "lost" };
/** Log lines that get a "Why?" button: event type → case kind. */
const WHY_EVENTS = { DuplicatesProcessed: "duplicate", RecordsLost: "lost", AckedRecordsLost: "acked-lost", RecordsWrittenTwice: "log-duplicate", ShareRecordArchived: "archived" };
/** Log lines in the colour of a loss or a failure, and in the colour of a warning. */
const BAD = new Set(["ConsumerCrashed", "RecordsLost", "SessionExpired", "BrokerCrashed", "AckedRecordsLost", "ProduceFailed", "ReplicaTruncated"]);
const WARN = new Set(["DuplicatesProcessed", "CommitFailed", "RecordsWrittenTwice", "BrokerFenced", "BrokerIsolated", "IsrShrunk"]);
const LOG_LINES_PER_BATCH = 40; // at 100× a batch can hold thousands of events
const SAMPLES_MAX = 160; // newest series points the lag chart shows
const RATES_MAX = 60; // newest throughput points the sparkline shows
const CHART_MS = 400; // the lag chart and the sparkline are redrawn at most this often

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
    /** Set by the view: (filter, opener) → opens the Why? panel (why.js). */
    this.onWhy = null;
    this.theme = THEMES.light;
    this.verbose = false;
    this.root = root;

    const counters = el("dl", { class: "mr-counters", "data-testid": "counters" });
    this.fields = {};
    for (const [k, label] of [["clock", "time"], ["produced", "produced"], ["leo", "log-end total"], ["processed", "processed"], ["lag", "lag now"], ["duplicates", "duplicates"], ["lost", "lost"], ["rebalances", "rebalances"], ["rate", "in / out per s"]]) {
      const wrap = el("div", { class: `mr-counter mr-c-${k}` });
      wrap.append(el("dt", {}, label));
      const dd = el("dd", { "data-testid": `count-${k}` });
      if (WHY_COUNTERS[k]) {
        // The figure is a button: it opens the Why? panel for these cases (at 0 it says so).
        const kind = WHY_COUNTERS[k];
        const b = el("button", { type: "button", class: "mr-whyfig mr-whyfig-zero", "data-why": kind }, "0");
        b.addEventListener("click", () => this.onWhy?.({ kind }, b));
        this.fields[k] = b;
        dd.append(b);
      } else {
        dd.textContent = "0";
        this.fields[k] = dd;
      }
      wrap.append(dd);
      counters.append(wrap);
    }

    const chartBox = el("figure", { class: "mr-chart", "data-testid": "lag-chart" });
    this.chartBox = chartBox;
    const cap = el("figcaption", {});
    this.groupPick = el("select", { "aria-label": "Group shown in the lag chart", "data-testid": "lag-group", hidden: true });
    this.groupPick.addEventListener("change", () => { this.chartGroup = Number(this.groupPick.value) || 0; this.chartDirty = true; if (this.controller.frame) this.update(this.controller.frame); });
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

    // The plain-English log comes right after the counters, above the charts, so a newcomer sees
    // it without scrolling (issue 13).
    // Per-group figures (downtime and paused members side by side; share group totals) when
    // protocols are compared or a share group runs (groupfigures.js).
    this.figures = new GroupFigures(controller);
    this.figures.onWhy = (filter, opener) => this.onWhy?.(filter, opener);
    // Brokers, ISR and the producers' receipts in words, when the scenario has brokers (brokerpanel.js).
    this.brokers = new BrokerPanel();
    this.brokers.onWhy = (filter, opener) => this.onWhy?.(filter, opener);
    root.append(counters, this.figures.root, this.brokers.root, logHead, this.log);
    if (!opts.compact) root.append(chartBox, tputBox);
    this.chartVisible = !opts.compact;

    this.groupsKey = "";
    this.seriesKey = "";
    this.samples = []; // the lag chart's points for the chosen group: [{t, lags[], owners[]}]
    this.rates = []; // [{t, in, out}] from the series
    this.namer = new Namer(controller.scenario());

    controller.on("reset", ({ scenario, seek }) => {
      this.namer = new Namer(scenario);
      if (!seek) this.log.replaceChildren();
      this.groupsKey = "";
      this.seriesKey = "";
      this.chartDirty = true; // a new timeline: redraw now, not at the next chart tick
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
      if (BAD.has(ev.type) || (ev.type === "LeaderElected" && (ev.unclean || ev.leader === null))) li.classList.add("mr-bad");
      if (WARN.has(ev.type)) li.classList.add("mr-warn");
      const filter = this._whyFilter(ev);
      if (filter) {
        const b = el("button", { type: "button", class: "mr-logwhy", "data-action": "why-log", "aria-label": `Why? ${sentence(ev, this.namer)}`.slice(0, 160), title: "Why did this happen?" }, "Why?");
        b.addEventListener("click", () => this.onWhy?.(filter, b));
        li.append(document.createTextNode(" "), b);
      }
      this.log.append(li);
    }
    if (skipped) this.log.append(el("li", { class: "mr-more" }, `…and ${skipped} more events at this moment`));
    while (this.log.childElementCount > LOG_MAX) this.log.firstElementChild.remove();
    if (tail.length || skipped) this.log.scrollTop = this.log.scrollHeight;
  }

  /** The Why? filter of a log line's event (names, as the model's cases carry them), or null. */
  _whyFilter(ev) {
    const kind = WHY_EVENTS[ev.type];
    const L = this.controller.frame?.layout;
    if (!kind || !L) return null;
    const owner = kind === "duplicate" || kind === "lost" ? L.groups[ev.group]?.id : kind === "archived" ? L.share_groups?.[ev.share_group]?.id : L.producers[ev.producer]?.id;
    const offset = ev.first_offset ?? ev.offset ?? ev.base_offset ?? null;
    return { kind, owner, topic: L.topics[ev.topic]?.name ?? null, partition: ev.partition ?? null, offset: kind === "log-duplicate" ? null : offset };
  }

  /**
   * Reads the frame into counters and the series into the charts; called a few times a second.
   * The charts change slowly: they are redrawn at most every CHART_MS, and in a call of their own
   * (the counters wait for the next one), so no single frame pays for both.
   */
  update(f) {
    if (f.partitions.buffer !== f.wasm.memory.buffer) f.sync(); // another widget grew the shared memory
    const wall = performance.now();
    // The series changes when a point is added, or when a seek truncated it.
    const n = f.seriesPoints();
    const key = `${n}|${n ? f.seriesAt(n - 1, 0) : -1}|${this.chartGroup}|${f.layoutVersion}`;
    if (this.chartDirty || (key !== this.seriesKey && wall - (this.chartAt ?? -1e9) >= CHART_MS)) {
      this.seriesKey = key;
      this.chartDirty = false;
      this.chartAt = wall;
      this._readSeries(f);
      if (this.chartVisible) drawSparkline(this.spark, this.rates, this.theme, RATES_MAX);
      this.drawChart(f);
      const r = this.rates[this.rates.length - 1] ?? { in: 0, out: 0 };
      this._set(this.fields.rate, `${r.in.toFixed(1)} / ${r.out.toFixed(1)}`);
      this._set(this.tputReadout, `throughput: in ${r.in.toFixed(1)} / out ${r.out.toFixed(1)} records per s`);
      if (!this.countersOnce) return;
    }
    this.countersOnce = true;
    const K = f.K;
    const fld = this.fields;
    const now = this.controller.nowMs();
    let produced = 0;
    for (let p = 0; p < f.layout.producers.length; p++) produced += f.producer(p, K.PR_PRODUCED);
    let leo = 0;
    for (let i = 0; i < f.total; i++) leo += f.logEnd(i);
    // share groups (KIP-932) count in the totals too: what they processed and (never, by design) lost
    let shareProcessed = 0, shareLost = 0;
    for (let s = 0; s < f.shareGroupsL.length; s++) { shareProcessed += f.sg(s, K.SG_PROCESSED); shareLost += f.sg(s, K.SG_LOST); }
    const dups = f.sum(K.G_DUPLICATES), lost = f.sum(K.G_LOST) + shareLost;
    this._set(fld.clock, formatMs(now));
    this._set(fld.produced, String(produced));
    this._set(fld.leo, String(leo));
    this._set(fld.processed, String(f.sum(K.G_PROCESSED) + shareProcessed));
    this._set(fld.lag, String(f.sum(K.G_LAG_NOW)));
    this._set(fld.duplicates, String(dups));
    this._set(fld.lost, String(lost));
    this._set(fld.rebalances, String(f.sum(K.G_REBALANCES)));
    fld.duplicates.closest(".mr-counter").classList.toggle("mr-warn", dups > 0);
    fld.lost.closest(".mr-counter").classList.toggle("mr-bad", lost > 0);
    this._whyFig(fld.duplicates, "duplicate", dups);
    this._whyFig(fld.lost, "lost", lost);
    this._syncGroupPick(f);
    this.figures.update(f);
    this.brokers.update(f);
    const r = this.rates[this.rates.length - 1] ?? { in: 0, out: 0 };
    this._set(fld.rate, `${r.in.toFixed(1)} / ${r.out.toFixed(1)}`);
  }

  /** A figure button, labelled for what it explains; quieter at 0 (it opens "none yet"). */
  _whyFig(b, kind, n) {
    if (b.classList.contains("mr-whyfig-zero") !== (n === 0)) b.classList.toggle("mr-whyfig-zero", n === 0);
    const label = n ? `${countWords(kind, n)}: why?` : countWords(kind, 0);
    if (b.getAttribute("aria-label") !== label) { b.setAttribute("aria-label", label); b.title = n ? "Why? Show the cause of each" : ""; }
  }

  /** Writes text only when it changed (an unchanged write still dirties the layout). */
  _set(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  /** The chosen group's lag points and the throughput points, from the core's series. */
  _readSeries(f) {
    const n = f.seriesPoints();
    const gi = this.chartGroup;
    const base = f.seriesBase[gi];
    const tracked = f.tracked[gi] ?? [];
    const owners = tracked.map(([t, p]) => f.gp(gi, f.index(t, p), f.K.GP_OWNER)).map((o) => (o >= 0 ? o : null));
    const from = Math.max(0, n - SAMPLES_MAX);
    const samples = [];
    for (let k = from; k < n; k++) {
      const lags = [];
      if (tracked.length) for (let j = 0; j < tracked.length; j++) lags.push(f.seriesAt(k, base + 3 + j));
      samples.push({ t: f.seriesAt(k, 0), lags, owners, total: f.seriesAt(k, base + 1), max: f.seriesAt(k, base + 2) });
    }
    this.samples = base === undefined ? [] : samples;
    // throughput: per point, records in (produced) and out (processed by every group) per second
    const rates = [];
    const groups = f.tracked.length;
    const outAt = (k) => { let s = 0; for (let g = 0; g < groups; g++) s += f.seriesAt(k, f.seriesBase[g]); return s; };
    for (let k = Math.max(1, n - RATES_MAX); k < n; k++) {
      const dt = (f.seriesAt(k, 0) - f.seriesAt(k - 1, 0)) / 1000;
      if (dt <= 0) continue;
      rates.push({ t: f.seriesAt(k, 0), in: (f.seriesAt(k, 1) - f.seriesAt(k - 1, 1)) / dt, out: (outAt(k) - outAt(k - 1)) / dt });
    }
    this.rates = rates;
  }

  /** The group picker appears when several groups read; its options follow the groups' names. */
  _syncGroupPick(f) {
    const groups = f.layout.groups;
    const key = groups.map((g) => g.id).join("\u0000");
    if (key === this.groupsKey) return;
    this.groupsKey = key;
    this.groupPick.replaceChildren(...groups.map((g, i) => el("option", { value: String(i) }, g.id)));
    if (this.chartGroup >= groups.length) this.chartGroup = 0;
    this.groupPick.value = String(this.chartGroup);
    this.groupPick.hidden = groups.length < 2;
  }

  /** Redraws the lag chart for the chosen group and writes its text readout. */
  drawChart(f = this.controller.frame) {
    if (!f) return;
    const gi = this.chartGroup;
    const samples = this.samples;
    const chosen = this.chartVisible ? drawLagChart(this.chart, samples, this.theme, SAMPLES_MAX) : null;
    if (!chosen) return;
    const K = f.K;
    const parts = f.subscribed[gi]?.length ?? 0;
    const total = gi < f.layout.groups.length ? f.group(gi, K.G_LAG_NOW) : 0;
    const name = this.namer.group(gi);
    const top = chosen.lines.filter((l) => l.partition !== null).slice(0, 3).map((l) => `${l.label} ${l.now}`).join(", ");
    const shown = chosen.mode === "total+top" ? ` (showing total + top ${chosen.lines.length - 1})` : chosen.mode === "total+max" ? " (showing total + the most behind partition)" : "";
    this.lagReadout.textContent = `${name} · ${parts} partitions · total lag ${total}${shown}${top ? ` · most behind: ${top}` : ""}`;
    Object.assign(this.chartBox.dataset, { group: String(gi), mode: chosen.mode, lines: String(chosen.lines.length) });
  }
}

export { el };
