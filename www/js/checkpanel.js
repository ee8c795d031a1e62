// The "Check my config" panel under the main page's simulator (issue 20): paste, drop or pick the
// producer, consumer and topic .properties files, run the config check's fault drills (the
// mailroom-check engine through the wasm binding's `checkConfig`, in a Web Worker: see
// check-worker.js), see every bad value at once or the drills' table, and open any drill in the
// player at its fault, through the same loadSession path a share link or an import takes.
// Everything the user typed or loaded is shown as text (textContent), never parsed as HTML.

import { el } from "./panels.js";
import { formatMs } from "./sentences.js";

/** The check's Web Worker (its own wasm instance). The panel exists only on the page, not the bundle. */
const CHECK_WORKER_URL = new URL("./check-worker.js", import.meta.url);

/** A file larger than this is not read into a text area (the engine itself takes up to 256 KiB). */
const LOAD_BYTES_MAX = 1024 * 1024;

/** The three files, as the engine names them in its errors (`file`). */
export const CHECK_FILES = [
  { file: "producer", name: "producer.properties", hint: "acks=all\nenable.idempotence=true" },
  { file: "consumer", name: "consumer.properties", hint: "enable.auto.commit=false" },
  { file: "topic", name: "topic.properties", hint: "replication.factor=3\nmin.insync.replicas=2" },
];

/** The drills table's figure columns: [field of a drill, column heading]. */
const FIGURES = [
  ["acked_lost", "Acked lost"],
  ["log_duplicates", "Log duplicates"],
  ["duplicates", "Duplicates"],
  ["lost", "Lost"],
  ["reordered", "Reordered"],
  ["producer_unavailable_s", "Producer unavailable (s)"],
  ["consumer_unavailable_s", "Consumer unavailable (s)"],
];

const fileName = (file) => CHECK_FILES.find((f) => f.file === file)?.name ?? file;

/** A number as the table shows it: integers as they are, seconds to one decimal. */
function figure(v) {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

export class CheckPanel {
  /**
   * @param {HTMLElement} root  the panel's container (a <section>)
   * @param {import("./controller.js").Controller} controller  the main page's controller
   */
  constructor(root, controller) {
    this.c = controller;
    this.root = root;
    this.worker = null;
    this.busy = false;
    this.report = null;
    this.errors = null;
    this.box = el("details", { class: "check-box", "data-testid": "check-details" });
    const summary = el("summary", { id: "check-title", "data-testid": "check-open-panel" }, "Check my config");
    summary.append(el("span", { class: "check-sub" }, " — will these Kafka settings lose data?"));
    const how = el("p", { class: "check-how" }, "Paste or drop your .properties files (or pick them); an empty one means Kafka 4.x's defaults. Eight short fault drills then run on the model, in the background: leader crash, lagging follower, isolated broker, rolling restart, consumer crashes, a stalled consumer, a coordinator crash. Each row can be opened in the player at its fault.");
    const form = el("form", { class: "check-form", "data-testid": "check-form" });
    this.texts = {};
    const files = el("div", { class: "check-files" });
    for (const f of CHECK_FILES) files.append(this._fileBox(f));
    this.rate = el("input", { id: "check-rate", type: "text", inputMode: "decimal", placeholder: "1000", "data-testid": "check-rate", spellcheck: false, autocomplete: "off", size: 6 });
    this.runBtn = el("button", { type: "submit", "data-testid": "check-run" }, "Run the drills");
    const row = el("div", { class: "check-row" });
    row.append(el("label", { htmlFor: "check-rate" }, "Producer rate (records per simulated second, optional) "), this.rate, this.runBtn);
    form.append(files, row);
    this.status = el("p", { class: "check-status", "aria-live": "polite", "data-testid": "check-status" });
    this.errorBox = el("div", { class: "check-errors", role: "alert", "data-testid": "check-errors", hidden: true });
    this.ignoredBox = el("div", { class: "check-ignored", "data-testid": "check-ignored", hidden: true });
    this.tableWrap = el("div", { class: "check-table-wrap", hidden: true });
    this.table = el("table", { class: "check-table", "data-testid": "check-table" });
    this.tableWrap.append(this.table);
    this.box.append(summary, how, form, this.status, this.errorBox, this.ignoredBox, this.tableWrap);
    root.append(this.box);
    form.addEventListener("submit", (e) => { e.preventDefault(); this.start(); });
  }

  /** One file's label, text area (paste, or drop a file onto it) and file picker. */
  _fileBox({ file, name, hint }) {
    const id = `check-${file}`;
    const wrap = el("div", { class: "check-file" });
    const area = el("textarea", { id, rows: 6, spellcheck: false, autocomplete: "off", placeholder: hint, "data-testid": id, "aria-describedby": `${id}-note` });
    const pick = el("input", { id: `${id}-file`, type: "file", accept: ".properties,.conf,.cfg,.txt,text/plain", "data-testid": `${id}-file`, "aria-label": `Load ${name} from a file` });
    const note = el("span", { id: `${id}-note`, class: "check-note" }, "paste, drop a file here, or ");
    const load = async (f) => {
      if (!f) return;
      if (f.size > LOAD_BYTES_MAX) { this._say(`${f.name} is ${f.size} bytes: too large to load (at most ${LOAD_BYTES_MAX} bytes).`); return; }
      area.value = await f.text();
      this._say(`Loaded ${f.name} into ${name}.`);
    };
    pick.addEventListener("change", () => { load(pick.files?.[0]).finally(() => { pick.value = ""; }); });
    area.addEventListener("dragover", (e) => { if (e.dataTransfer?.types?.includes("Files")) { e.preventDefault(); area.classList.add("check-drop"); } });
    area.addEventListener("dragleave", () => area.classList.remove("check-drop"));
    area.addEventListener("drop", (e) => {
      area.classList.remove("check-drop");
      const f = e.dataTransfer?.files?.[0];
      if (!f) return; // dropped text: the browser inserts it as usual
      e.preventDefault();
      load(f);
    });
    this.texts[file] = area;
    const foot = el("div", { class: "check-foot" });
    foot.append(note, pick);
    wrap.append(el("label", { htmlFor: id, class: "check-name" }, name), area, foot);
    return wrap;
  }

  _say(text) { this.status.textContent = text; }

  /** The check's input as the worker takes it (an empty text area = the file is not given). */
  input() {
    const text = (f) => (this.texts[f].value.trim() === "" ? null : this.texts[f].value);
    const r = this.rate.value.trim();
    return { producer: text("producer"), consumer: text("consumer"), topic: text("topic"), rate: r === "" ? null : Number(r), rateText: r };
  }

  /** Runs the check in the worker (a check still running is dropped). */
  start() {
    this.cancel();
    const { rateText, ...input } = this.input();
    this.errorBox.hidden = true;
    this.ignoredBox.hidden = true;
    this.tableWrap.hidden = true;
    this.report = null;
    this.errors = null;
    delete this.root.dataset.opened;
    if (input.rate !== null && !Number.isFinite(input.rate)) {
      return this._invalid([{ file: "rate", key: "rate", value: rateText, reason: "must be a number of records per simulated second" }]);
    }
    this.root.dataset.state = "running";
    this.runBtn.disabled = true;
    this._say("Running the drills…");
    this.busy = true;
    this._worker().postMessage(input);
  }

  /** The check's worker, started on first use and kept (its wasm is compiled once). */
  _worker() {
    if (this.worker) return this.worker;
    const w = (this.worker = new Worker(CHECK_WORKER_URL, { type: "module" }));
    w.onmessage = ({ data: m }) => {
      if (w !== this.worker) return;
      this._idle();
      if (m.type === "report") this._show(m.report, m.wallMs);
      else if (m.type === "invalid") this._invalid(m.errors);
      else this._fail(m.message);
    };
    w.onerror = (e) => {
      e.preventDefault?.();
      if (w !== this.worker) return;
      this.cancel();
      this._fail(`the check's worker failed: ${e.message || "could not load"}`);
    };
    return w;
  }

  _idle() {
    this.busy = false;
    this.runBtn.disabled = false;
  }

  /** Drops a check still running (its worker is ended; the next check starts another). */
  cancel() {
    if (this.busy) {
      this.worker?.terminate();
      this.worker = null;
    }
    this._idle();
  }

  _fail(message) {
    this.errorBox.replaceChildren(el("p", {}, `The check could not run: ${message}`));
    this.errorBox.hidden = false;
    this._say("");
    this.root.dataset.state = "error";
  }

  /** Every bad value at once: file, key, value and why. */
  _invalid(errors) {
    this.errors = errors;
    const n = errors.length;
    const list = el("ul", { "data-testid": "check-error-list" });
    for (const e of errors) {
      const li = el("li", { "data-file": e.file, "data-key": e.key });
      li.append(
        el("span", { class: "check-efile" }, e.file === "rate" ? "rate" : fileName(e.file)), ": ",
        el("code", { class: "check-ekey" }, e.key ? `${e.key}=${e.value}` : e.value), " — ",
        el("span", { class: "check-ereason" }, e.reason),
      );
      list.append(li);
    }
    this.errorBox.replaceChildren(el("p", {}, `${n} bad value${n === 1 ? "" : "s"}; no drill was run:`), list);
    this.errorBox.hidden = false;
    this._say("");
    this.root.dataset.state = "invalid";
  }

  /** The report: ignored keys (with did-you-mean), then the drills' table. */
  _show(report, wallMs) {
    this.report = report;
    this.wallMs = wallMs;
    if (report.ignored.length) {
      const list = el("ul", { "data-testid": "check-ignored-list" });
      for (const g of report.ignored) {
        const li = el("li", { "data-file": g.file, "data-key": g.key });
        // The engine's reason may already end with the suggestion: show it once, as code.
        const reason = g.did_you_mean ? g.reason.replace(`; did you mean ${g.did_you_mean}?`, "") : g.reason;
        li.append(el("span", {}, `${fileName(g.file)}: `), el("code", {}, g.key), ` — ${reason}`);
        if (g.did_you_mean) li.append("; did you mean ", el("code", { class: "check-dym" }, g.did_you_mean), "?");
        list.append(li);
      }
      this.ignoredBox.replaceChildren(el("p", {}, `${report.ignored.length} key${report.ignored.length === 1 ? " is" : "s are"} not used by the drills:`), list);
      this.ignoredBox.hidden = false;
    }
    const head = el("tr");
    for (const h of ["Drill", ...FIGURES.map((f) => f[1]), "Advice", "Player"]) head.append(el("th", { scope: "col" }, h));
    const thead = el("thead");
    thead.append(head);
    const body = el("tbody");
    for (const d of report.drills) body.append(this._row(d));
    const n = report.drills.length;
    this.table.replaceChildren(el("caption", {}, `${n} drills, ${report.warnings} with loss, duplicates or reordering (⚠).`), thead, body);
    this.tableWrap.hidden = false;
    this._say(`${n} drills ran in ${(wallMs / 1000).toFixed(1)} s; ${report.warnings} warn.`);
    this.root.dataset.state = "done";
  }

  _row(d) {
    const tr = el("tr", { "data-drill": d.id, "data-warn": d.warn ? "1" : "0", class: d.warn ? "check-warn" : "" });
    const name = el("th", { scope: "row", "data-label": "Drill" });
    if (d.warn) name.append(el("span", { class: "check-mark", "data-testid": "check-warn-mark", title: "found loss, duplicates or reordering" }, "⚠ "));
    name.append(d.title);
    tr.append(name);
    for (const [k, h] of FIGURES) tr.append(el("td", { "data-label": h, "data-figure": k }, figure(d[k])));
    tr.append(el("td", { "data-label": "Advice", class: "check-advice" }, d.advice));
    const cell = el("td", { "data-label": "Player" });
    const b = el("button", { type: "button", "data-testid": "check-open", "data-drill": d.id, "aria-label": `Open in player: ${d.title}` }, "Open in player");
    b.addEventListener("click", () => this.open(d));
    cell.append(b);
    tr.append(cell);
    return tr;
  }

  /** Opens drill `d` in the main player, paused at its fault (the share link's loading path). */
  open(d) {
    try {
      this.c.pause();
      this.c.view.loadSession({ scenario: JSON.parse(d.scenario), inputs: [], at_ms: d.at_ms });
    } catch (err) {
      this._fail(`opening ${d.id}: ${err.message}`);
      return;
    }
    this.root.dataset.opened = d.id;
    this._say(`Opened “${d.title}” in the player at ${formatMs(d.at_ms)}, the moment of the fault. Press play to watch it.`);
    document.getElementById("app")?.scrollIntoView({ block: "start" });
  }
}
