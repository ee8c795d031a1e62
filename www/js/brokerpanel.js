// The brokers beside the stage, in words (shown only when the scenario has brokers to show, like
// brokers.js): one button per broker — the keyboard's way into the broker menu the stage's cards
// open on a click —, each partition's leader, epoch, in-sync replicas and high watermark in a
// sentence, and each producer's delivery figures (sent, acked, failed, log duplicates, acked lost,
// reordered). Read from the frame a few times a second; rows are updated in place so a focused
// button stays focused. Everything is written with textContent.

import { el } from "./panels.js";
import { stateWord } from "./brokers.js";

/** The figures a producer row shows, in order: [field name in frameLayout, label]. */
const FIGURES = [["PR_PRODUCED", "sent"], ["PR_ACKED", "acked"], ["PR_FAILED", "failed"], ["PR_LOG_DUPLICATES", "log duplicates"], ["PR_ACKED_LOST", "acked lost"], ["PR_REORDERED", "reordered"]];
const WARN = new Set(["PR_LOG_DUPLICATES", "PR_REORDERED"]);
const BAD = new Set(["PR_FAILED", "PR_ACKED_LOST"]);
/** Figures that open the Why? panel: field → case kind (why.js). */
const WHY = { PR_LOG_DUPLICATES: "log-duplicate", PR_ACKED_LOST: "acked-lost" };
const ISR_ROWS_MAX = 24; // a heatmap-sized topic gets its first partitions in words, not thousands

/** A partition's replication state in one sentence. */
export function isrWords(f, i) {
  const K = f.K;
  const name = `${f.layout.topics[f.topicOfIdx[i]]?.name}-${f.partOfIdx[i]}`;
  const leader = f.part(i, K.PART_LEADER), epoch = f.part(i, K.PART_EPOCH);
  const isr = [], out = [];
  for (let s = 0; s < (f.layout.replica_slots ?? 1); s++) {
    const b = f.rep(i, s, K.REP_BROKER);
    if (b < 0) continue;
    (f.rep(i, s, K.REP_IN_ISR) > 0 ? isr : out).push(`broker ${b}`);
  }
  const who = leader >= 0 ? `leader broker ${leader} (epoch ${epoch})` : "no leader (offline)";
  return `${name}: ${who}; in sync: ${isr.join(", ") || "none"}${out.length ? `; out of sync: ${out.join(", ")}` : ""}; high watermark ${f.part(i, K.PART_HW)}, log end ${f.logEnd(i)}.`;
}

export class BrokerPanel {
  constructor() {
    this.root = el("section", { class: "mr-brokers", "data-testid": "broker-panel", hidden: true, "aria-label": "Brokers" });
    this.list = el("div", { class: "mr-brokerlist", role: "group", "aria-label": "Brokers: each opens its menu" });
    this.isr = el("ul", { class: "mr-isr", "data-testid": "isr-words" });
    this.producers = el("ul", { class: "mr-prodfigs", "data-testid": "producer-figures" });
    this.root.append(el("h3", {}, "Brokers"), this.list, this.isr, el("h3", {}, "Producer receipts"), this.producers);
    this.buttons = [];
    this.isrRows = [];
    this.prodRows = [];
    /** Set by the view: (broker, button) → opens the broker's menu. */
    this.onOpen = null;
    /** Set by the panels: (filter, opener) → opens the Why? panel. */
    this.onWhy = null;
  }

  /** The button of broker b, if shown. */
  button(b) {
    return this.buttons[b] ?? null;
  }

  update(f) {
    const show = f.hasBrokers();
    if (this.root.hidden === show) this.root.hidden = !show;
    if (!show) return;
    const K = f.K;
    const n = f.brokerCount();
    while (this.buttons.length > n) this.buttons.pop().remove();
    for (let b = 0; b < n; b++) {
      let btn = this.buttons[b];
      if (!btn) {
        btn = el("button", { type: "button", class: "mr-broker", "data-testid": `broker-${b}`, "aria-haspopup": "menu" });
        btn.addEventListener("click", () => this.onOpen?.(b, btn));
        this.list.append(btn);
        this.buttons[b] = btn;
      }
      const word = stateWord(f, b);
      const slow = f.br(b, K.BR_SLOW_MS);
      const text = `broker ${b} · ${word} · leads ${f.br(b, K.BR_LEADERS)}${slow > 0 ? " · slow" : ""}`;
      set(btn, text);
      if (btn.dataset.state !== f.brokerState(b)) btn.dataset.state = f.brokerState(b);
      btn.classList.toggle("mr-bad", word !== "up");
    }
    const shown = Math.min(f.total, ISR_ROWS_MAX);
    this._rows(this.isr, this.isrRows, shown + (f.total > shown ? 1 : 0), (li, i) => set(li, i < shown ? isrWords(f, i) : `…and ${f.total - shown} more partitions (the stage's detail box has each one).`));
    this._rows(this.producers, this.prodRows, f.layout.producers.length, (li, p) => {
      if (!li.firstChild) {
        li.setAttribute("data-testid", `producer-figures-${p}`);
        li.append(el("b", {}, f.layout.producers[p].id), document.createTextNode(": "));
        FIGURES.forEach(([k, label], j) => {
          if (j) li.append(document.createTextNode(" · "));
          const span = el("span", { "data-field": label.replace(/ /g, "_") });
          // acked lost and log duplicates open the Why? panel for this producer's cases
          if (WHY[k]) {
            const b = el("button", { type: "button", class: "mr-whyfig mr-whyfig-zero", "data-why": WHY[k] });
            b.addEventListener("click", () => this.onWhy?.({ kind: WHY[k], owner: f.layout.producers[p]?.id ?? null }, b));
            span.append(b);
          }
          li.append(span);
        });
      }
      FIGURES.forEach(([k, label], j) => {
        const span = li.children[j + 1];
        const v = f.producer(p, K[k]);
        const b = WHY[k] ? span.firstElementChild : null;
        set(b ?? span, `${v} ${label}`);
        if (b) {
          if (b.classList.contains("mr-whyfig-zero") !== (v === 0)) b.classList.toggle("mr-whyfig-zero", v === 0);
          const said = v ? `${f.layout.producers[p].id}: ${v} ${label}: why?` : `${v} ${label}`;
          if (b.getAttribute("aria-label") !== said) b.setAttribute("aria-label", said);
        }
        span.classList.toggle("mr-warn", WARN.has(k) && v > 0);
        span.classList.toggle("mr-bad", BAD.has(k) && v > 0);
      });
    });
  }

  /** Keeps `n` list items in `list` and fills each with `fill(li, k)`. */
  _rows(list, rows, n, fill) {
    while (rows.length > n) rows.pop().remove();
    while (rows.length < n) { const li = el("li"); list.append(li); rows.push(li); }
    rows.forEach(fill);
  }
}

function set(node, text) {
  if (node.textContent !== text) node.textContent = text;
}
