// The strip above the stage: per group, what its latest rebalance did ("generation 4
// (cooperative-sticky): 1 moved, 5 stayed") and the episode's steps as a small timeline
// ("round 1: revoke P5 from consumer-3" → "round 2: assign P5 to consumer-4", or "all revoked"
// for eager); then, once a topic grew, how many keys were remapped and whether that broke their
// order. DOM text (not canvas) so screen readers and tests can read it; textContent only.

import { el } from "./panels.js";

export class Strip {
  /**
   * @param {import("./rebalance.js").RebalanceTracker} rebalance
   * @param {import("./keymoves.js").KeyRemapTracker} keyMoves
   */
  constructor(rebalance, keyMoves) {
    this.rebalance = rebalance;
    this.keyMoves = keyMoves;
    this.root = el("section", { class: "mr-strip", "aria-label": "Rebalances and remapped keys", "data-testid": "strip" });
    this.rows = el("div", { class: "mr-rbrows" });
    this.keys = el("p", { class: "mr-keyrow", "data-testid": "key-remaps", hidden: true });
    this.legend = el("p", { class: "mr-legend", "aria-hidden": "true" });
    for (const [cls, word] of [["mr-lg-moved", "moved"], ["mr-lg-stayed", "stayed"], ["mr-lg-withheld", "withheld (revoking)"], ["mr-lg-key", "↪ key on a new partition"]]) {
      const s = el("span", { class: cls });
      s.append(el("i"), document.createTextNode(word));
      this.legend.append(s);
      if (cls === "mr-lg-key") this.keyLegend = s;
    }
    // On a narrow view each row is one line; this shows the steps in full (mailroom.css).
    this.toggle = el("button", { type: "button", class: "mr-strip-toggle", "data-action": "strip-more", "aria-expanded": "false", title: "Show every step of the rebalance" }, "steps ▾");
    this.toggle.addEventListener("click", () => {
      const open = this.root.classList.toggle("mr-strip-open");
      this.toggle.setAttribute("aria-expanded", String(open));
      this.toggle.textContent = open ? "less ▴" : "steps ▾";
    });
    this.root.append(this.toggle, this.rows, this.keys, this.legend);
    this.root.hidden = true;
    this.key = "";
  }

  /** Re-renders when the trackers changed (cheap to call a few times a second). */
  update(snap) {
    const rb = this.rebalance, km = this.keyMoves;
    const key = `${rb.version}|${km.version}|${snap.groups.length}`;
    if (key === this.key) return;
    this.key = key;
    const rows = [];
    snap.groups.forEach((gv, g) => {
      const s = rb.summary(g);
      if (!s && !rb.forming(g)) return;
      const row = el("div", { class: "mr-rb", "data-testid": `rebalance-${g}` });
      const d = row.dataset;
      if (s) Object.assign(d, { generation: String(s.generation), strategy: s.strategy, moved: String(s.moved), stayed: String(s.stayed), withheld: String(s.withheld), fresh: String(s.fresh), round: String(s.round ?? "") });
      else d.forming = "1";
      if (snap.groups.length > 1) row.append(el("b", { class: "mr-rb-group" }, gv.id));
      row.append(el("span", { class: "mr-rb-banner", "data-testid": `rebalance-banner-${g}` }, rb.banner(g)));
      const steps = rb.steps(g);
      if (steps.length) {
        const ol = el("ol", { class: "mr-rb-steps", "aria-label": "rebalance steps" });
        for (const st of steps) ol.append(el("li", { class: `mr-step-${st.kind}` }, st.text));
        row.append(ol);
      }
      rows.push(row);
    });
    this.rows.replaceChildren(...rows);
    const text = km.describe();
    this.keys.hidden = !text;
    this.keys.textContent = text;
    this.keys.dataset.remapped = String(km.total);
    this.keys.dataset.broken = String(km.broken);
    this.keys.classList.toggle("mr-bad", km.broken > 0);
    this.legend.hidden = !rows.some((r) => r.dataset.generation);
    this.keyLegend.hidden = !km.total;
    this.root.hidden = !rows.length && !text;
  }
}
