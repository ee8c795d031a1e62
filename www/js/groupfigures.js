// Per-group figures beside the stage, side by side, for scenarios where protocols are compared
// (a consumer-protocol group, or several groups) or a share group runs:
//  - a consumer group (classic eager, classic cooperative, consumer protocol): how long its
//    partitions stopped — the sum over its partitions of the ms each had no owner able to process
//    it — since the group first formed, drawn as a bar on one scale for every group, and how many
//    times a live member stopped processing all its partitions for a rebalance (paused members);
//  - a share group: processed, redeliveries, archived and lost records.
//
// Start-up is left out of the downtime: a classic group waits group.initial.rebalance.delay.ms
// before its first assignment and a consumer-protocol group does not, which says nothing about
// what a rebalance costs. The start-up share is the downtime the frame shows the first time the
// group has every partition owned (the controller refreshes the frame at least every 500 ms while
// it replays a seek, so that moment is seen); it is a fact of the timeline's past, so a seek keeps
// it and only a new load forgets it. Everything is written with textContent.

import { el } from "./panels.js";

/** Whether a scenario gets the table: a consumer-protocol (KIP-848) group or a share group. */
export function wanted(f) {
  const L = f.layout;
  return (L.share_groups?.length ?? 0) > 0 || (L.group_protocols ?? []).includes("consumer");
}

/** The protocol a group rebalances with, in the words the table uses. */
export function protocolOf(f, gi) {
  if (f.isKip848(gi)) return "consumer protocol (KIP-848)";
  return f.layout.groups[gi].cooperative ? "classic, cooperative" : "classic, eager";
}

export class GroupFigures {
  /** @param {import("./controller.js").Controller} controller */
  constructor(controller) {
    this.root = el("figure", { class: "mr-figures", "data-testid": "group-figures", hidden: true });
    this.caption = el("figcaption", {}, "Rebalance cost per group, since each group formed");
    this.table = el("table", { class: "mr-figtable" });
    const head = el("tr");
    for (const h of ["group", "protocol", "partition downtime", "paused members"]) head.append(el("th", { scope: "col" }, h));
    this.thead = el("thead");
    this.thead.append(head);
    this.tbody = el("tbody");
    this.table.append(this.thead, this.tbody);
    this.share = el("ul", { class: "mr-sharefigs", "data-testid": "share-figures" });
    this.root.append(this.caption, this.table, this.share);
    this.rows = [];
    this.shareRows = [];
    /** Set by the panels: (filter, opener) → opens the Why? panel. */
    this.onWhy = null;
    this.startup = []; // per group: downtime (ms) when it first had every partition owned
    controller.on("reset", ({ seek }) => { if (!seek) this.startup = []; this.key = ""; });
    controller.on("frame", (f) => this.observe(f));
  }

  /** Notes each group's start-up downtime the first time it has every partition owned. */
  observe(f) {
    const K = f.K;
    for (let gi = 0; gi < f.layout.groups.length; gi++) {
      if (this.startup[gi] !== undefined) continue;
      let owned = true, down = 0;
      for (const i of f.subscribed[gi]) {
        if (f.gp(gi, i, K.GP_OWNER) < 0) owned = false;
        down += f.gp(gi, i, K.GP_DOWNTIME_MS);
      }
      if (owned && f.subscribed[gi].length) this.startup[gi] = down;
    }
  }

  _build(f) {
    const L = f.layout;
    this.key = `${f.layoutVersion}|${L.groups.map((g) => g.id).join(",")}|${f.shareGroupsL.map((g) => g.id).join(",")}`;
    this.rows = L.groups.map((g, gi) => {
      const tr = el("tr", { "data-group": String(gi) });
      const bar = el("span", { class: "mr-figbar", "aria-hidden": "true" });
      const ms = el("span", { class: "mr-figms", "data-testid": `downtime-${gi}` });
      const down = el("td", {});
      down.append(bar, ms);
      const paused = el("td", { "data-testid": `paused-${gi}` });
      tr.append(el("th", { scope: "row" }, g.id), el("td", { "data-testid": `protocol-${gi}` }, protocolOf(f, gi)), down, paused);
      return { tr, bar, ms, paused };
    });
    this.tbody.replaceChildren(...this.rows.map((r) => r.tr));
    this.table.hidden = !L.groups.length;
    this.caption.textContent = L.groups.length ? "Rebalance cost per group, since each group formed" : "Share group figures";
    this.shareRows = f.shareGroupsL.map((g, s) => el("li", { "data-testid": `share-figures-${s}` }));
    this.share.replaceChildren(...this.shareRows);
  }

  /** Reads the frame of now into the table (a few times a second, from the panels' task). */
  update(f) {
    const show = wanted(f);
    if (this.root.hidden === show) this.root.hidden = !show;
    if (!show) return;
    const K = f.K;
    const key = `${f.layoutVersion}|${f.layout.groups.map((g) => g.id).join(",")}|${f.shareGroupsL.map((g) => g.id).join(",")}`;
    if (key !== this.key) this._build(f);
    const downs = this._downtimes(f);
    const scale = Math.max(1000, ...downs.map((d) => d ?? 0));
    this.rows.forEach((r, gi) => {
      const d = downs[gi];
      const text = d === null ? "forming" : `${Math.round(d)} ms`;
      if (r.ms.textContent !== text) r.ms.textContent = text;
      r.bar.style.width = `${d === null ? 0 : Math.round((60 * d) / scale)}px`;
      const p = String(f.kg(gi, K.KG_PAUSED_MEMBERS));
      if (r.paused.textContent !== p) r.paused.textContent = p;
    });
    this.shareRows.forEach((li, s) => {
      const id = f.shareGroupsL[s].id;
      if (!li.firstChild) {
        // "<id> (share group): N processed · N redeliveries · N archived · N lost"; redeliveries
        // and archived are buttons that open the Why? panel for this share group's cases.
        li.append(document.createTextNode(""));
        for (const [kind, word] of [["redelivery", "redeliveries"], ["archived", "archived"]]) {
          const b = el("button", { type: "button", class: "mr-whyfig mr-whyfig-zero", "data-why": kind });
          b.addEventListener("click", () => this.onWhy?.({ kind, owner: f.shareGroupsL[s]?.id ?? null }, b));
          b.dataset.word = word;
          li.append(b, document.createTextNode(""));
        }
      }
      const [head, redo, mid, arch, tail] = li.childNodes;
      const put = (node, text) => { if (node.textContent !== text) node.textContent = text; };
      put(head, `${id} (share group): ${f.sg(s, K.SG_PROCESSED)} processed · `);
      const nr = f.sg(s, K.SG_REDELIVERIES), na = f.sg(s, K.SG_ARCHIVED);
      put(redo, `${nr} redeliveries`);
      put(mid, " · ");
      put(arch, `${na} archived`);
      put(tail, ` · ${f.sg(s, K.SG_LOST)} lost`);
      for (const [b, n] of [[redo, nr], [arch, na]]) {
        if (b.classList.contains("mr-whyfig-zero") !== (n === 0)) b.classList.toggle("mr-whyfig-zero", n === 0);
        const said = n ? `${id}: ${b.textContent}: why?` : b.textContent;
        if (b.getAttribute("aria-label") !== said) b.setAttribute("aria-label", said);
      }
    });
  }

  /** The figures as numbers, for tests and the docs API: [{group, protocol, downtime_ms, paused_members}]. */
  read(f) {
    const downs = this._downtimes(f);
    return f.layout.groups.map((g, gi) => ({ group: g.id, protocol: protocolOf(f, gi), downtime_ms: downs[gi], paused_members: f.kg(gi, f.K.KG_PAUSED_MEMBERS) }));
  }

  /** Per group: partition-ms without an owner since it formed (null while it forms). */
  _downtimes(f) {
    const K = f.K;
    return f.layout.groups.map((_, gi) => {
      let d = 0;
      for (const i of f.subscribed[gi]) d += f.gp(gi, i, K.GP_DOWNTIME_MS);
      return this.startup[gi] === undefined ? null : Math.max(0, d - this.startup[gi]);
    });
  }
}
