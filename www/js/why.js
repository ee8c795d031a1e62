// The "Why?" panel (issue 21): the cause chain of each duplicate, loss, acknowledged loss, log
// duplicate, share redelivery and archived record, in plain sentences with their simulated times.
//
// The model explains (wasm Player.explain, core/src/causes.rs): it replays the timeline from 0 to
// the player's now with a cause recorder on and returns every case up to now. The panel asks once
// per opening, filters the cases to what was clicked (a counter: every case of that kind and
// owner; a mark or a log line: its partition and offset first), lists them most recent first, each
// one expandable, and turns every step into a button that moves the player to that moment.
// Per kind and owner the cases' records add up to the figures the page shows.
//
// Opened from: the stage's marks (the tray's counters, a duplicate flash, a producer's receipt
// stub), the counters beside the stage (buttons), a log line's "Why?" button and a lesson step's
// "Why?" button. Escape or the close button shuts it and gives focus back to what opened it.
// Everything from the model is written with textContent, never as HTML.

import { el } from "./panels.js";
import { formatMs } from "./sentences.js";

/** Replay budget of one explanation, in model steps (a long run may not be explained whole). */
export const EXPLAIN_BUDGET = 5e6;
/** Cases written to the DOM at most (the count and records still cover every case). */
const CASES_SHOWN = 100;

/** How a count of a kind's records reads (CaseKind::count in core/src/causes.rs). */
const WORDS = {
  duplicate: ["duplicate", "duplicates"],
  lost: ["record lost", "records lost"],
  "acked-lost": ["acknowledged record lost", "acknowledged records lost"],
  "log-duplicate": ["log duplicate", "log duplicates"],
  redelivery: ["redelivery", "redeliveries"],
  archived: ["record archived", "records archived"],
};
export const countWords = (kind, n) => `${n} ${(WORDS[kind] ?? [kind, kind])[n === 1 ? 0 : 1]}`;

/** Which owner field a kind's cases carry. */
export const OWNER_FIELD = { duplicate: "group", lost: "group", "acked-lost": "producer", "log-duplicate": "producer", redelivery: "share_group", archived: "share_group" };

/** Whether case `c` is one `filter` asks for (kind, owner, topic and partition when given). */
export function matches(c, filter) {
  if (filter.kind && c.kind !== filter.kind) return false;
  const field = OWNER_FIELD[c.kind];
  if (filter.owner !== undefined && filter.owner !== null && c[field] !== filter.owner) return false;
  if (filter.topic !== undefined && filter.topic !== null && c.topic !== filter.topic) return false;
  if (filter.partition !== undefined && filter.partition !== null && c.partition !== filter.partition) return false;
  return true;
}

/** Whether case `c` covers offset `o`. */
const covers = (c, o) => c.offset !== null && c.offset !== undefined && o >= c.offset && o < c.offset + Math.max(1, c.records);

let panels = 0; // ids unique per document (several widgets on one page)

export class WhyPanel {
  /**
   * @param {import("./ui.js").View} view  the view it lives in (controller, root, stage box, narration)
   */
  constructor(view) {
    this.view = view;
    this.c = view.c;
    const id = `mr-why-title-${++panels}`;
    this.root = el("section", { class: "mr-why", role: "dialog", "aria-labelledby": id, tabindex: "-1", hidden: true, "data-testid": "why" });
    const head = el("div", { class: "mr-why-head" });
    this.title = el("h3", { id, class: "mr-why-title" }, "Why?");
    this.closeBtn = el("button", { type: "button", class: "mr-why-close", "aria-label": "Close the Why? panel", title: "Close (Escape)", "data-action": "why-close" }, "✕");
    this.closeBtn.addEventListener("click", () => this.close(true));
    head.append(this.title, this.closeBtn);
    this.scope = el("p", { class: "mr-why-scope", "data-testid": "why-scope" });
    this.reach = el("p", { class: "mr-why-reach", "data-testid": "why-reach", role: "status" });
    this.list = el("ol", { class: "mr-why-cases", "data-testid": "why-cases" });
    this.widen = el("button", { type: "button", class: "mr-why-widen", "data-action": "why-all", hidden: true });
    this.widen.addEventListener("click", () => { this.filter = { ...this.filter, topic: null, partition: null, offset: null }; this._render(); });
    this.root.append(head, this.scope, this.reach, this.widen, this.list);
    this.root.addEventListener("keydown", (e) => {
      if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); this.close(true); }
    });
    this.result = null;
    this.filter = null;
    this.opener = null;
    this.followed = null; // the step button last followed
    this.budget = EXPLAIN_BUDGET; // model steps one explanation may replay (tests lower it)
  }

  get isOpen() {
    return !this.root.hidden;
  }

  /**
   * Opens the panel for `filter` = {kind, owner?, topic?, partition?, offset?} (owner, topic: names)
   * and explains the timeline up to now. `opener` gets the focus back on close.
   */
  open(filter, opener) {
    this.filter = { ...filter };
    this.opener = opener ?? null;
    this.followed = null;
    this.view.closeMenu?.();
    this.root.hidden = false;
    this._place();
    this.root.dataset.state = "working";
    this.title.textContent = `Why? ${this._what()}`;
    this.scope.textContent = "";
    this.reach.textContent = "Replaying the run to find the causes…";
    this.list.replaceChildren();
    this.widen.hidden = true;
    this.root.focus({ preventScroll: true });
    // On a phone the panel sits in the flow above the stage: bring it into view.
    if (getComputedStyle(this.root).position === "static") this.root.scrollIntoView({ block: "start" });
    const token = (this.token = (this.token ?? 0) + 1);
    // Let the "replaying" line show before the (synchronous) replay runs.
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (token !== this.token || this.root.hidden) return;
      let out;
      try {
        out = this.c.explain(this.budget);
      } catch (err) {
        out = null;
        this.reach.textContent = `Could not explain: ${err?.message ?? err}`;
      }
      if (!out) { this.root.dataset.state = "error"; if (!this.reach.textContent.startsWith("Could not")) this.reach.textContent = "Could not explain this run."; return; }
      this.result = { ...out, asked_ms: this.c.nowMs() };
      this._render();
    }, 0);
  }

  /** Closes the panel; with `restoreFocus`, focus goes back to its opener (or the stage). */
  close(restoreFocus = false) {
    if (this.root.hidden) return;
    this.token = (this.token ?? 0) + 1;
    clearTimeout(this.timer);
    this.root.hidden = true;
    this.root.dataset.state = "closed";
    if (!restoreFocus) return;
    const back = this.opener?.isConnected && !this.opener.disabled && this.opener.getClientRects().length ? this.opener : this.view.stageBox;
    back?.focus({ preventScroll: true });
  }

  /** Overlaid on the body (stage and side column) on a wide view; in the flow on a phone. */
  _place() {
    const body = this.view.body;
    if (body) this.root.style.setProperty("--why-top", `${body.offsetTop}px`);
  }

  /** "duplicates of billing", from the filter. */
  _what(who = this.filter.owner) {
    const f = this.filter;
    const kind = (WORDS[f.kind] ?? [f.kind, f.kind])[1];
    const where = f.partition !== null && f.partition !== undefined && f.topic ? ` on ${f.topic}-${f.partition}` : "";
    return `${kind}${who ? ` · ${who}` : ""}${where}`;
  }

  _render() {
    const r = this.result;
    if (!r) return;
    const f = this.filter;
    const all = r.cases.filter((c) => matches(c, { kind: f.kind, owner: f.owner }));
    const narrowed = f.partition !== null && f.partition !== undefined;
    const cases = (narrowed ? all.filter((c) => matches(c, f)) : all).slice().sort((a, b) => b.at_ms - a.at_ms);
    const records = cases.reduce((s, c) => s + c.records, 0);
    this.root.dataset.state = cases.length ? "done" : "empty";
    Object.assign(this.root.dataset, { cases: String(cases.length), records: String(records), reached: String(r.reached_ms), complete: r.complete ? "1" : "0" });
    // A counter over every owner names the owner when all its cases have one (one group, say).
    const owners = [...new Set(cases.map((c) => c[OWNER_FIELD[c.kind]]).filter((o) => o !== undefined && o !== null))];
    const who = f.owner ?? (owners.length === 1 ? owners[0] : null);
    const owner = who ? `${who}: ` : "";
    this.title.textContent = `Why? ${this._what(who)}`;
    const where = narrowed && f.topic ? ` on ${f.topic}-${f.partition}` : "";
    this.scope.textContent = cases.length
      ? `${owner}${countWords(f.kind, records)}${where} in ${cases.length === 1 ? "1 case" : `${cases.length} cases`}, most recent first.`
      : `${owner}no ${(WORDS[f.kind] ?? [f.kind, f.kind])[1]}${where} up to ${formatMs(r.asked_ms)}.`;
    const truncated = r.total > r.cases.length ? ` The model kept the first ${r.cases.length} of ${r.total} cases; the rest are not listed.` : "";
    this.reach.textContent = r.complete
      ? `Explained the whole run up to now (${formatMs(r.asked_ms)}).${truncated}`
      : `Explained up to ${formatMs(r.reached_ms)} of ${formatMs(r.asked_ms)}: the replay ran out of its budget, so cases after ${formatMs(r.reached_ms)} are missing.${truncated}`;
    this.widen.hidden = !narrowed || all.length === cases.length;
    if (!this.widen.hidden) this.widen.textContent = `Show all ${all.length} cases of ${f.owner ?? "every owner"}`;
    // The case to open: the one holding the asked offset, else the most recent.
    let pick = 0;
    if (f.offset !== null && f.offset !== undefined) {
      const k = cases.findIndex((c) => covers(c, f.offset));
      if (k >= 0) pick = k;
    }
    const shown = cases.slice(0, CASES_SHOWN);
    if (cases.length && pick >= shown.length) shown.push(cases[pick]);
    const items = shown.map((c, k) => this._case(c, k === pick));
    if (cases.length > shown.length) items.push(el("li", { class: "mr-why-more" }, `…and ${cases.length - shown.length} older cases.`));
    this.list.replaceChildren(...items);
    this.sync();
  }

  /** One case: its summary (the <summary>) and its steps, each a button to its moment. */
  _case(c, open) {
    const li = el("li", { class: "mr-why-case", "data-kind": c.kind, "data-records": String(c.records), "data-partition": String(c.partition), "data-offset": c.offset === null || c.offset === undefined ? "" : String(c.offset), "data-at": String(c.at_ms) });
    const d = el("details", {});
    d.open = open;
    const sum = el("summary", {});
    sum.append(el("time", {}, formatMs(c.at_ms)), document.createTextNode(` ${c.summary}`));
    const steps = el("ol", { class: "mr-why-steps" });
    for (const s of c.steps) {
      const b = el("button", { type: "button", class: "mr-why-step", "data-at": String(s.at_ms), title: `Move the player to ${formatMs(s.at_ms)}` });
      b.append(el("time", {}, formatMs(s.at_ms)), document.createTextNode(` ${s.text}`));
      b.addEventListener("click", () => this.follow(b, s.at_ms));
      const item = el("li", {});
      item.append(b);
      steps.append(item);
    }
    d.append(sum, steps);
    d.addEventListener("toggle", () => this.sync());
    li.append(d);
    return li;
  }

  /** Moves the player to a step's moment (paused there, so the stage shows it). */
  follow(button, ms) {
    this.followed = button;
    this.c.pause();
    this.c.seek(ms);
    this.view.afterSeek?.();
    this.sync();
  }

  /**
   * Marks, in each open case, the step the player is at: the followed one if time is at it, else
   * the latest step at or before now. Cheap; the view calls it a few times a second.
   */
  sync() {
    if (this.root.hidden) return;
    const now = this.c.nowMs();
    for (const ol of this.list.querySelectorAll(".mr-why-steps")) {
      const buttons = [...ol.querySelectorAll("button")];
      let cur = null;
      if (this.followed && buttons.includes(this.followed) && Number(this.followed.dataset.at) === now) cur = this.followed;
      else for (const b of buttons) if (Number(b.dataset.at) <= now) cur = b;
      for (const b of buttons) {
        const on = b === cur;
        if (b.classList.contains("mr-why-now") !== on) b.classList.toggle("mr-why-now", on);
        if (on) b.setAttribute("aria-current", "step");
        else b.removeAttribute("aria-current");
      }
    }
  }
}
