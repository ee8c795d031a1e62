// The consumers list beside the stage: one button per consumer slot, the keyboard's way into
// each consumer's menu. Rows keep their identity: a state change updates a row in place instead
// of re-creating it, so the focused row (or a menu's opener) stays focused while the model runs.

import { el } from "./panels.js";

export class ConsumerList {
  /**
   * @param {HTMLElement} root  the list container
   * @param {(group: number, member: number, button: HTMLButtonElement, share: boolean) => void} onOpen
   */
  constructor(root, onOpen) {
    this.root = root;
    this.onOpen = onOpen;
    this.rows = new Map(); // "g:m" → {button, name, badge, parts}
  }

  /**
   * Brings the rows in line with a snapshot. With several groups each group gets a header and
   * its members' rows below it (the row shows the member's name; its label names the group too).
   */
  sync(snap) {
    const many = snap.groups.length > 1;
    const want = [];
    snap.groups.forEach((g, gi) => {
      // a share group's rows are keyed by its own index (share groups are numbered apart)
      const share = g.share !== undefined;
      const gk = share ? `s${g.share}` : String(gi);
      if (many) want.push({ key: `g${gk}`, header: true, text: share ? `${g.id} (share group)` : g.id });
      g.members.forEach((m, mi) => {
        const dead = /^(crashed|left)$/i.test(m.state);
        want.push({
          key: `${gk}:${mi}`, gi: share ? g.share : gi, mi, share, state: m.state,
          text: m.name,
          label: `${many ? `${g.id} · ` : ""}${m.name}`,
          // share members own nothing: they show how much work they did
          parts: share ? `${m.processed} done` : (dead ? [] : m.assigned).map(([, p]) => `P${p}`).join(" ") || "—",
        });
      });
    });
    const keys = new Set(want.map((w) => w.key));
    for (const [k, r] of this.rows) if (!keys.has(k)) { r.button.remove(); this.rows.delete(k); }
    let prev = null;
    for (const w of want) {
      let r = this.rows.get(w.key);
      if (!r && w.header) {
        r = { button: el("p", { class: "mr-cgroup", "data-group-header": String(w.key.slice(1)) }) };
        this.rows.set(w.key, r);
      } else if (!r) {
        const button = el("button", { type: "button", "data-consumer": w.key, "data-testid": `${w.share ? "share-consumer" : "consumer"}-${w.gi}-${w.mi}`, "aria-haspopup": "menu" });
        // The row's name is one sentence for assistive technology ("consumer-1, stable, partitions
        // P0 P1"); the visible pieces are hidden from it so the name is not read twice or run
        // together ("consumer-1stableP0 P1").
        r = { button, name: el("span", { class: "mr-cname", "aria-hidden": "true" }), badge: el("span", { class: "mr-badge", "aria-hidden": "true" }), parts: el("span", { class: "mr-cparts", "aria-hidden": "true" }), said: el("span", { class: "mr-sr" }) };
        button.append(r.name, r.badge, r.parts, r.said);
        button.addEventListener("click", () => this.onOpen(w.gi, w.mi, button, w.share));
        this.rows.set(w.key, r);
      }
      // keep document order = snapshot order without moving rows that are already in place
      const want_after = prev ? prev.nextSibling : this.root.firstChild;
      if (r.button !== want_after) this.root.insertBefore(r.button, want_after);
      prev = r.button;
      if (w.header) {
        if (r.button.textContent !== w.text) r.button.textContent = w.text;
        continue;
      }
      const cls = `mr-consumer mr-st-${w.state.toLowerCase()}`;
      if (r.button.className !== cls) r.button.className = cls;
      if (r.button.dataset.state !== w.state) r.button.dataset.state = w.state;
      if (r.name.textContent !== w.text) r.name.textContent = w.text;
      const badge = w.state.toLowerCase();
      if (r.badge.textContent !== badge) r.badge.textContent = badge;
      if (r.parts.textContent !== w.parts) r.parts.textContent = w.parts;
      const label = w.share ? `${w.label}, ${badge}, ${w.parts}` : `${w.label}, ${badge}, partitions ${w.parts === "—" ? "none" : w.parts}`;
      if (r.said.textContent !== label) r.said.textContent = label;
    }
  }

  /** The row button of consumer `member` of `group`, if shown. */
  button(group, member, share = false) {
    return this.rows.get(`${share ? "s" : ""}${group}:${member}`)?.button ?? null;
  }

  /** The first row, for a "skip to consumers" link. */
  first() {
    return this.root.querySelector("button");
  }
}

/**
 * The crash items of a consumer's menu, labelled for the group's commit mode: a label never
 * promises a loss or a duplicate that this mode cannot produce. [label, crash point] pairs.
 */
export function crashMenuItems(commitMode, transactional = false) {
  const mode = commitMode ?? "after_processing";
  const items = [["Crash now", "now"]];
  if (mode === "after_processing") {
    items.push(["Crash after processing, before its commit (→ duplicates)", "after_processing"], ["Crash right after a commit", "after_commit"]);
  } else if (mode === "before_processing") {
    items.push(["Crash after processing a batch", "after_processing"], ["Crash after its commit, before processing (→ lost records)", "after_commit"]);
  } else if (mode === "auto") {
    items.push(["Crash after processing a batch (before the next auto-commit)", "after_processing"], ["Crash right after an auto-commit", "after_commit"]);
  } else {
    items.push(["Crash after processing a batch", "after_processing"], ["Crash right after a commit", "after_commit"]);
  }
  if (transactional) items.push(["Crash inside the transaction", "in_transaction"]);
  return items;
}
