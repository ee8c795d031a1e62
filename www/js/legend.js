// The legend: every mark the stage draws, in plain words, in a collapsible <details>.
// Key colours get one swatch per key (up to KEYS_SHOWN) with a tooltip on hover and on keyboard
// focus, so "follow user-3" can be followed. Swatch colours come from palette.js, the same
// functions the stage paints with, and follow the theme. Only textContent is used: key prefixes
// come from scenarios (a shared link, an imported file) and are never parsed as HTML.

import { THEMES, keyColor, groupColor, memberColor, STATE_COLORS } from "./palette.js";
import { el } from "./panels.js";
import { GOLD, HW_COLOR } from "./brokers.js";

const KEYS_SHOWN = 24;

/**
 * The marks, in the order a reader meets them (left to right on the stage). `swatch` names a
 * small drawing made with CSS (legend swatches in mailroom.css); `paint(theme)` colours it.
 */
export const MARKS = [
  { id: "envelope", swatch: "env", paint: (th) => keyColor(3, th), name: "coloured envelope", text: "One record. Its colour is its key: every record of user-3 has the same colour (see the key colours below)." },
  { id: "no-key", swatch: "env", paint: (th) => th.noKey, name: "grey envelope", text: "A record without a key: the producer spreads these over the partitions." },
  { id: "unread", swatch: "env", paint: (th) => keyColor(5, th), name: "envelope on the shelf, full colour", text: "Unread: in the log, not yet fetched by the group's consumer." },
  { id: "uncommitted", swatch: "env-lifted", paint: (th) => keyColor(5, th), outline: (th) => th.dup, name: "lifted envelope with an amber frame and a ✓", text: "Read but not committed: the group's consumer processed it (✓), but the group has not saved its offset yet. If that consumer crashes now, the next owner processes it again. Lifted without a frame: fetched, not processed yet." },
  { id: "committed-record", swatch: "env-faded", paint: (th) => keyColor(5, th), name: "faded envelope", text: "Done: processed and committed. The group will not read it again." },
  { id: "committed", swatch: "flag", paint: (th) => groupColor(0, th), name: "▲ flag and line under a shelf", text: "The group's committed offset (one colour per group): where a new owner would start reading. ◀ 12 means it is further left than the shelf shows." },
  { id: "leo", swatch: "leo", paint: (th) => th.ink, name: "dark bar after the last envelope, number, “LEO”", text: "Log-end offset (LEO): the offset the next record will get. “lag” is how many records the group has not committed yet." },
  { id: "owner", swatch: "line", paint: (th) => memberColor(0, th), name: "line from a partition to a consumer", text: "Who owns the partition in that group. Only its owner reads it; the line is drawn in the owner's colour." },
  { id: "no-owner", swatch: "text", glyph: "?", paint: (th) => th.muted, name: "? after a short dashed stub", text: "No owner right now: the partition was revoked or its owner died, so nobody processes it until the next assignment." },
  { id: "leader", swatch: "text", glyph: "★", paint: (th) => th.ink, name: "★ after a consumer's name", text: "The group leader: the member that computes the assignment for everyone." },
  { id: "states", swatch: "badge", paint: () => STATE_COLORS.Processing, name: "badge on a consumer", text: "What the consumer is doing: joining, fetching, processing, committing, idle (no partitions, zzz), paused, crashed (✕), left (dashed box)." },
  { id: "downtime", swatch: "dup", paint: (th) => th.dup, name: "orange bars in a group's header", text: "How long each partition had no owner in the group's latest rebalance, one bar per partition, on one scale for every group: eager stops every partition, cooperative only the ones that move." },
  { id: "short-names", swatch: "text", glyph: "c1", paint: (th) => th.ink, name: "c1, c2 … on a narrow stage", text: "consumer-1, consumer-2 … shortened to fit. Hover a consumer, or press ↓ on the stage to walk the partitions and then the consumers, for full names and numbers." },
  { id: "duplicate", swatch: "dup", paint: (th) => th.dup, name: "orange flash, “duplicate ×N”, “DUP”", text: "Records processed a second time (at-least-once after a crash). Make processing idempotent." },
  { id: "lost", swatch: "tray", paint: (th) => th.lost, name: "lost tray (bottom)", text: "Records skipped for good: committed before anyone processed them (at-most-once). The counter says how many." },
  { id: "moved", swatch: "tag", paint: (th) => memberColor(2, th), glyph: "moved → c3", name: "“moved → c3” tag and coloured P-label", text: "In the last rebalance this partition changed owner; the colour is the new owner's." },
  { id: "stayed", swatch: "tag-plain", paint: (th) => th.muted, glyph: "stayed", name: "“stayed” tag", text: "In the last rebalance this partition kept its owner." },
  { id: "withheld", swatch: "tag-dashed", paint: (th) => th.dup, glyph: "withheld", name: "“withheld — revoking” tag, dashed P-label", text: "Cooperative rebalancing: the partition is being taken from its owner; a second round gives it to its new owner. Only these pause." },
  { id: "remapped", swatch: "text", glyph: "↪", paint: (th) => th.ink, name: "↪ badge and dotted link", text: "After partitions were added: a key's first record on its new partition, linked to its older records. Red means it was processed before an older record of the same key (order broken)." },
  { id: "transaction", swatch: "env-dashed", paint: (th) => th.txnOpen, name: "dashed envelope, green corner, red stroke, thin post", text: "Transactions: dashed = still open, green corner = committed, struck through in red = aborted, a thin post = the marker that closes a transaction." },
  { id: "kip848-header", swatch: "text", glyph: "#", paint: (th) => th.muted, name: "“consumer protocol (KIP-848) · group epoch N · target epoch M”", text: "A group on the consumer protocol (KIP-848, Kafka 4.x): no JoinGroup/SyncGroup and no generation. Every join or leave bumps the group epoch; the coordinator computes a target assignment for that epoch and each member reconciles towards it on its own, at its heartbeats." },
  { id: "kip848-epoch", swatch: "text", glyph: "→", paint: (th) => th.muted, name: "“epoch 4→5” in a member's box", text: "The member's epoch and the target epoch it is moving to; “epoch 5” alone means it has reached the group's target." },
  { id: "kip848-stable", swatch: "text", glyph: "●", paint: (th) => th.ok, name: "● green dot before a member's epoch", text: "Stable: the member owns its whole target assignment." },
  { id: "kip848-unrevoked", swatch: "text", glyph: "▼", paint: (th) => th.dup, name: "▼ orange triangle, P2⇣, “releasing” tag", text: "Unrevoked: the member must release these partitions first (P2⇣); it keeps processing its others and gets nothing new until it has. Only the partitions that move stop." },
  { id: "kip848-unreleased", swatch: "text", glyph: "◆", paint: (th) => th.txnOpen, name: "◆ purple diamond, (P4), “waiting for previous owner” tag", text: "Unreleased: a partition of the member's target, (P4), is still held by its previous owner; the member gets it at a heartbeat after it is released. “→ c3 at its heartbeat”: released, waiting for its new owner to hear." },
  { id: "figures", swatch: "dup", paint: (th) => th.dup, name: "“Rebalance cost per group” table", text: "Beside the stage, per group: partition downtime (ms a partition had no owner, summed over partitions, since the group formed) and paused members (times a member stopped all its work for a rebalance): eager, cooperative and the consumer protocol side by side." },
  { id: "share-lane", swatch: "tag-dashed", paint: (th) => th.txnOpen, glyph: "share", name: "share group lane under the shelves, dashed header", text: "A share group (KIP-932, a queue): every member reads every partition it is given, record by record. Each row is one share-partition's records in flight, from its start offset (SPSO, left number) to its end offset (SPEO, right number)." },
  { id: "share-no-order", swatch: "text", glyph: "!", paint: (th) => th.dup, name: "“share group: no per-key ordering”", text: "Records of one key may be processed by different members at once, and a redelivered record comes after later ones: a share group gives up ordering to let more consumers than partitions work." },
  { id: "share-available", swatch: "env", paint: (th) => th.panel, name: "white box in a share lane", text: "Available: in flight, waiting for a member to acquire it (first delivery, or again after a release or an expired lock)." },
  { id: "share-acquired", swatch: "env", paint: (th) => memberColor(1, th), name: "box in a member's colour, orange bar under it", text: "Acquired: locked for that member; the orange bar is the lock timer (group.share.record.lock.duration.ms) running out. If it runs out, the record is available again." },
  { id: "share-acknowledged", swatch: "env-faded", paint: (th) => th.ok, name: "faded green box", text: "Acknowledged: a member accepted it; it is done." },
  { id: "share-archived", swatch: "env", paint: (th) => th.lost, name: "red box with ✕, “archived N”", text: "Archived: rejected, or its last allowed delivery failed (group.share.delivery.count.limit). It will not be delivered again." },
  { id: "share-delivery", swatch: "text", glyph: "3", paint: (th) => th.ink, name: "a number on a box, “delivery 3” in a member's box", text: "The record's delivery count: how many times it was handed out. A poison message climbs to the limit, then it is archived." },
  // brokers and replication (brokers.js, receipts.js), shown when a scenario has more than one broker
  { id: "broker-card", swatch: "tag-plain", glyph: "broker 0", paint: (th) => th.muted, name: "a card over the shelves per broker", text: "A broker — a branch of the mailroom: whether it is up, how many partitions it leads, the groups whose coordinator it hosts (“coord”), and “slow” when its followers fetch slowly. Click it (or its button beside the stage) to crash, restart, isolate, heal or slow it." },
  { id: "broker-crashed", swatch: "text", glyph: "✕", paint: (th) => th.lost, name: "greyed card, crossed out", text: "A crashed broker: its replicas stop and its connections fail. After broker.session.timeout.ms the controller fences it and its partitions get new leaders." },
  { id: "broker-isolated", swatch: "tag-dashed", glyph: "cut", paint: (th) => th.lost, name: "dashed red card with two cut marks", text: "An isolated broker: alive but cut off from clients, brokers and the controller; requests to it time out." },
  { id: "replica-leader", swatch: "text", glyph: "■", paint: () => GOLD, name: "filled pip with a gold edge, right of a shelf", text: "The partition's leader replica (the number is its broker). Producers write to it and consumers read from it; a red edge means it was elected uncleanly." },
  { id: "replica-isr", swatch: "text", glyph: "■", paint: (th) => th.muted, name: "filled grey pip", text: "An in-sync follower (in the ISR): it has every record the leader acknowledged with acks=all." },
  { id: "replica-out", swatch: "text", glyph: "□", paint: (th) => th.muted, name: "hollow dashed pip", text: "An out-of-sync follower: it fell behind for longer than replica.lag.time.max.ms and left the ISR. A pip struck through in red sits on a broker that is down." },
  { id: "replica-catchup", swatch: "dup", paint: (th) => th.dup, name: "bar under a pip", text: "How far that replica's log reaches into the records the shelf shows: full and grey = caught up with the leader, orange and short = behind." },
  { id: "high-watermark", swatch: "leo", paint: () => HW_COLOR.light, name: "violet line on a shelf, veiled envelopes right of it", text: "The high watermark: every in-sync replica has the records left of it. Consumers read only those; the veiled ones right of it are on the leader but not readable yet (and not acknowledged, with acks=all)." },
  { id: "election", swatch: "text", glyph: "◯", paint: () => GOLD, name: "ring around a pip, “leader → b2 · epoch 1”", text: "Leadership moved: the controller elected a new leader (the leader epoch counts elections). Red and “unclean”: an out-of-sync replica was chosen and records only the old leader had are gone." },
  { id: "truncation", swatch: "text", glyph: "✂", paint: (th) => th.lost, name: "red strike, “b0 cut 34”", text: "Records removed: a replica's log was cut back to agree with the new leader (or an election dropped them). If they had been acknowledged, they count as acked lost." },
  { id: "receipt", swatch: "text", glyph: "✓", paint: () => "#2e7d32", name: "small receipt flying back to a producer, the stub under it", text: "The producer's acknowledgements: a receipt (✓, or ✕ when a batch failed for good) returns from the leader. Under the producer: sent, acked, failed, in flight, and in warning colours log duplicates (a retry written twice), acked lost (acknowledged, then gone) and reordered." },
  { id: "sticky", swatch: "dash-line", paint: (th) => th.faint, name: "dashed line from a producer", text: "The partition the producer is filling now with records that have no key (it sticks to one for a batch)." },
];

export class Legend {
  /** @param {{theme?: string}} opts */
  constructor(opts = {}) {
    this.theme = THEMES[opts.theme] ?? THEMES.light;
    this.root = el("details", { class: "mr-marks", "data-testid": "legend" });
    const summary = el("summary", {}, "What the marks mean");
    this.list = el("dl", { class: "mr-marks-list" });
    this.swatches = [];
    for (const m of MARKS) {
      const dt = el("dt", { "data-mark": m.id });
      const sw = el("span", { class: `mr-sw mr-sw-${m.swatch}`, "aria-hidden": "true" });
      if (m.glyph) sw.textContent = m.glyph;
      this.swatches.push([sw, m]);
      dt.append(sw, el("span", { class: "mr-mark-name" }, m.name));
      this.list.append(dt, el("dd", { "data-mark": m.id }, m.text));
    }
    this.keysBox = el("div", { class: "mr-keys", "data-testid": "legend-keys" });
    this.keysTitle = el("p", { class: "mr-keys-title" });
    this.keys = el("ul", { class: "mr-keylist", "aria-label": "Key colours" });
    this.keysBox.append(this.keysTitle, this.keys);
    this.root.append(summary, this.list, this.keysBox);
    this.keySpec = "";
    this._paint();
  }

  setTheme(name) {
    this.theme = THEMES[name] ?? THEMES.light;
    this._paint();
    const spec = this.keySpec;
    this.keySpec = "";
    if (spec) this.setKeys(JSON.parse(spec));
  }

  /**
   * Shows one swatch per key of the scenario's keyed producers: [{prefix, count}].
   * Call with the scenario's producers' `keys` (unkeyed producers are skipped).
   */
  setKeys(families) {
    const list = (families ?? []).filter((f) => f && typeof f.prefix === "string" && f.count > 0);
    const spec = JSON.stringify(list);
    if (spec === this.keySpec) return;
    this.keySpec = spec;
    this.keys.replaceChildren();
    this.keysBox.hidden = !list.length;
    if (!list.length) return;
    const shown = [];
    for (const f of list) for (let n = 0; n < f.count && shown.length < KEYS_SHOWN; n++) shown.push(`${f.prefix}-${n}`);
    const total = list.reduce((a, f) => a + f.count, 0);
    this.keysTitle.textContent = total > shown.length
      ? `Key colours (the first ${shown.length} of ${total} keys; colours repeat approximately after that):`
      : "Key colours (hover or focus one to see its key):";
    // Keys are numbered per family; the stage colours by the number, so two families share colours.
    for (const f of list) {
      for (let n = 0; n < f.count && this.keys.childElementCount < KEYS_SHOWN; n++) {
        const name = `${f.prefix}-${n}`;
        const li = el("li", { tabindex: "0", title: name, "aria-label": name, "data-key": name });
        const sw = el("span", { class: "mr-sw mr-sw-env", "aria-hidden": "true" });
        sw.style.background = keyColor(n, this.theme);
        li.append(sw, el("span", { class: "mr-tip", role: "tooltip" }, name));
        this.keys.append(li);
      }
    }
  }

  /** Reads the keyed producers from a scenario object. */
  setScenario(scenario) {
    this.setKeys((scenario?.producers ?? []).map((p) => (p.keys?.mode === "entity" ? { prefix: p.keys.prefix, count: p.keys.count } : null)));
  }

  _paint() {
    for (const [sw, m] of this.swatches) {
      const c = m.paint(this.theme);
      sw.style.setProperty("--c", c);
      if (m.outline) sw.style.outline = `2px solid ${m.outline(this.theme)}`; // as the stage frames it (CSSOM, CSP-safe)
    }
  }
}

/** Builds a legend element (a collapsed <details>) for a theme and a scenario. */
export function buildLegend({ theme = "light", scenario } = {}) {
  const l = new Legend({ theme });
  if (scenario) l.setScenario(scenario);
  return l;
}
