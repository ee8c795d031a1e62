// The "What if…" panel under the main page's simulator: pick a field of the current scenario and
// a range, run the scenario once per value to its end in a Web Worker (sweeprun.js; the page stays
// responsive and shows progress), chart each figure against the value (sweepchart.js), and open
// any run in the player at the moment of its worst lag with a click (or Enter on a point).
// The sweep runs the scenario as loaded (its scheduled inputs), not the clicks made since.

import { runSweep } from "./sweeprun.js";
import { renderSweepCharts, renderSweepTable } from "./sweepchart.js";
import { formatMs } from "./sentences.js";
import { el } from "./panels.js";

/**
 * The fields a sweep can vary in `scenario` (defaults filled in), with a first range to try:
 * [{path, label, values}].
 */
export function sweepFields(scenario) {
  const out = [];
  const parts = (g) => g.topics.reduce((a, name) => a + (scenario.topics.find((t) => t.name === name)?.partitions ?? 0), 0);
  (scenario.groups ?? []).forEach((g, i) => {
    const who = `group ${g["group.id"]}`;
    out.push({ path: `groups[${i}].consumers`, label: `consumers (${who})`, values: `1..${Math.min(16, Math.max(4, parts(g) + 2))}` });
    out.push({ path: `groups[${i}].max.poll.records`, label: `max.poll.records (${who})`, values: "1,10,100,500,1000" });
    out.push({ path: `groups[${i}].processing_ms`, label: `processing_ms per record (${who})`, values: "0,5,10,20,50" });
    out.push({ path: `groups[${i}].session.timeout.ms`, label: `session.timeout.ms (${who})`, values: "6000,10000,30000,45000" });
    out.push({ path: `groups[${i}].partition.assignment.strategy`, label: `partition.assignment.strategy (${who})`, values: "range,roundrobin,sticky,cooperative-sticky" });
    if (g.commit !== "transactional") out.push({ path: `groups[${i}].commit`, label: `commit mode (${who})`, values: "after_processing,before_processing,auto" });
  });
  scenario.topics.forEach((t, i) => out.push({ path: `topics[${i}].partitions`, label: `partitions (topic ${t.name})`, values: `1..${Math.min(16, Math.max(8, t.partitions * 2))}` }));
  (scenario.producers ?? []).forEach((p, i) => {
    const r = p.rate_per_sec;
    const list = [0.25, 0.5, 1, 2, 4].map((k) => +(r * k).toFixed(2)).filter((v, j, a) => v > 0 && a.indexOf(v) === j);
    out.push({ path: `producers[${i}].rate_per_sec`, label: `rate per second (producer ${p.id})`, values: (list.length ? list : [1, 10, 100]).join(",") });
  });
  return out;
}

export class WhatIf {
  /**
   * @param {HTMLElement} root  the panel's container (a <section>)
   * @param {import("./controller.js").Controller} controller  the main page's controller
   */
  constructor(root, controller) {
    this.c = controller;
    this.root = root;
    this.run = null;
    this.sweep = null;
    const head = el("h2", { id: "whatif-title" }, "What if…");
    const how = el("p", { class: "whatif-how" }, "Runs the current scenario (as loaded, with its scheduled inputs, not the clicks since) once per value for the time given, in the background, and charts what each value does. Click a point to open that run at its worst lag.");
    const form = el("form", { class: "whatif-form", "data-testid": "whatif-form" });
    this.field = el("select", { id: "whatif-field", "data-testid": "whatif-field" });
    this.values = el("input", { id: "whatif-values", type: "text", "data-testid": "whatif-values", spellcheck: false, autocomplete: "off" });
    this.secs = el("input", { id: "whatif-secs", type: "number", min: "1", max: "86400", step: "1", value: "60", "data-testid": "whatif-secs" });
    this.seeds = el("input", { id: "whatif-seeds", type: "number", min: "1", max: "16", step: "1", value: "1", "data-testid": "whatif-seeds" });
    this.runBtn = el("button", { type: "submit", "data-testid": "whatif-run" }, "Run sweep");
    this.cancelBtn = el("button", { type: "button", "data-testid": "whatif-cancel", disabled: true }, "Cancel");
    form.append(
      el("label", { htmlFor: "whatif-field" }, "Vary "), this.field,
      el("label", { htmlFor: "whatif-values" }, " over "), this.values,
      el("label", { htmlFor: "whatif-secs" }, " for "), this.secs, el("span", {}, " simulated s,"),
      el("label", { htmlFor: "whatif-seeds" }, " seeds "), this.seeds,
      this.runBtn, this.cancelBtn,
    );
    this.progress = el("progress", { max: "1", value: "0", "data-testid": "whatif-progress", "aria-label": "Sweep progress", hidden: true });
    this.status = el("p", { class: "whatif-status", "aria-live": "polite", "data-testid": "whatif-status" });
    this.error = el("p", { class: "whatif-error", role: "alert", "data-testid": "whatif-error", hidden: true });
    this.groupPick = el("select", { "aria-label": "Group whose figures are charted", "data-testid": "whatif-group", hidden: true });
    this.charts = el("div", { class: "whatif-charts", "data-testid": "whatif-charts" });
    this.tableWrap = el("details", { class: "whatif-table" });
    this.tableWrap.append(el("summary", {}, "figures as a table"));
    this.table = el("table", { "data-testid": "whatif-table" });
    this.tableWrap.append(this.table);
    this.tableWrap.hidden = true;
    root.append(head, how, form, this.progress, this.status, this.error, this.groupPick, this.charts, this.tableWrap);

    this.field.addEventListener("change", () => { this.values.value = this.fields[Number(this.field.value)]?.values ?? ""; });
    form.addEventListener("submit", (e) => { e.preventDefault(); this.start(); });
    this.cancelBtn.addEventListener("click", () => this.cancel());
    this.groupPick.addEventListener("change", () => this.draw());
    this.c.on("reset", () => this.refreshFields());
    this.refreshFields();
  }

  /** Rebuilds the field list from the current scenario, keeping the chosen field if it is still there. */
  refreshFields() {
    const scenario = this.c.scenarioFull;
    if (!scenario) return;
    // Each run goes to the scenario's end; one without an end runs for a minute unless told.
    this.secs.value = String(scenario.duration_ms ? Math.ceil(scenario.duration_ms / 1000) : 60);
    const was = this.fields?.[Number(this.field.value)]?.path;
    this.fields = sweepFields(scenario);
    this.field.replaceChildren(...this.fields.map((f, i) => el("option", { value: String(i) }, f.label)));
    const keep = this.fields.findIndex((f) => f.path === was);
    this.field.value = String(keep >= 0 ? keep : 0);
    if (keep < 0 || !this.values.value) this.values.value = this.fields[Number(this.field.value)]?.values ?? "";
  }

  /** The vary spec the form describes. */
  spec() {
    const f = this.fields[Number(this.field.value)];
    return `${f?.path ?? ""}=${this.values.value.trim()}`;
  }

  start() {
    this.cancel();
    this.error.hidden = true;
    const seeds = Number(this.seeds.value);
    if (!Number.isInteger(seeds) || seeds < 1 || seeds > 16) return this.fail(`seeds: must be a whole number from 1 to 16, got ${this.seeds.value}`);
    const secs = Number(this.secs.value);
    if (!Number.isInteger(secs) || secs < 1 || secs > 86400) return this.fail(`duration: must be a whole number of seconds from 1 to 86400, got ${this.secs.value}`);
    const scenario = { ...structuredClone(this.c.scenarioIn), duration_ms: secs * 1000 };
    const vary = this.spec();
    this.sweep = { scenario, vary, seeds, path: "", values: [], results: [] };
    this.progress.hidden = false;
    this.progress.value = 0;
    this.runBtn.disabled = true;
    this.cancelBtn.disabled = false;
    this.root.dataset.state = "running";
    this.status.textContent = "Starting the sweep…";
    const sweep = this.sweep;
    this.run = runSweep({
      scenario, vary, seeds,
      onStart: ({ path, values }) => { sweep.path = path; sweep.values = values; },
      onProgress: ({ done, total, fraction, results }) => {
        this.progress.value = fraction;
        this.status.textContent = `Running: ${done} of ${total} runs done.`;
        if (results.length !== sweep.results.length) { sweep.results = results.slice(); this.draw(); }
      },
    });
    this.run.done.then((out) => {
      Object.assign(sweep, out);
      this.finish();
      this.status.textContent = `${out.results.length} runs of ${out.path} in ${(out.wallMs / 1000).toFixed(1)} s. Click a point to open that run at its worst lag.`;
      this.root.dataset.state = "done";
      this.draw();
    }, (err) => {
      this.finish();
      if (err.cancelled) { this.status.textContent = "Sweep cancelled."; this.root.dataset.state = "cancelled"; } else this.fail(err.message);
    });
  }

  cancel() {
    this.run?.cancel();
    this.run = null;
  }

  finish() {
    this.run = null;
    this.progress.hidden = true;
    this.runBtn.disabled = false;
    this.cancelBtn.disabled = true;
  }

  fail(message) {
    this.error.textContent = message;
    this.error.hidden = false;
    this.status.textContent = "";
    this.root.dataset.state = "error";
  }

  draw() {
    const s = this.sweep;
    if (!s) return;
    const groups = s.results[0]?.groups ?? [];
    if (groups.length > 1 && this.groupPick.options.length !== groups.length) {
      const m = /^groups\[(\d+)\]/.exec(s.path);
      this.groupPick.replaceChildren(...groups.map((g, i) => el("option", { value: String(i) }, `group ${g.group}`)));
      this.groupPick.value = m && Number(m[1]) < groups.length ? m[1] : "0";
    }
    this.groupPick.hidden = groups.length <= 1;
    const group = groups.length > 1 ? Number(this.groupPick.value) || 0 : 0;
    renderSweepCharts(this.charts, { ...s, group, onPick: (r) => this.open(r, group) });
    renderSweepTable(this.table, { ...s, group });
    this.tableWrap.hidden = !s.results.length;
  }

  /** Opens run `r` in the main player, paused at the moment of its worst lag. */
  open(r, group) {
    const s = this.sweep;
    let variant;
    const wasm = this.c.wasm;
    const sw = new wasm.Sweep(s.scenario, s.vary, s.seeds);
    try { variant = sw.variant(r.value_index, r.seed_index); } finally { sw.free(); }
    const g = r.groups[group];
    this.c.pause();
    this.c.view.loadSession({ scenario: variant, inputs: [], at_ms: g.worst_lag_at_ms });
    this.status.textContent = `Opened ${s.path} = ${r.value} (seed ${r.seed}) at ${formatMs(g.worst_lag_at_ms)}, its worst lag (${g.max_lag} records on one partition).`;
    this.root.dataset.opened = `${r.value_index}:${r.seed_index}`;
    document.getElementById("app")?.scrollIntoView({ block: "start" });
  }
}
