// Brokers on the stage: the mailroom's branches. Shown only when the scenario has more than one
// broker or a partition with more than one replica; a single-broker scenario draws nothing here,
// so it looks exactly as it did before brokers existed.
//
// Rows mode:
//  - a row of broker cards over the shelves: id, state (up, crashed — greyed —, isolated — a cut
//    mark —, fenced), how many partitions it leads, the groups whose coordinator it hosts, and a
//    slow-follower mark. A card is a hit target: a click opens the broker's menu (ui.js);
//  - per partition, its replica pips right of the shelf: one per replica, the leader filled with a
//    gold edge, an in-sync follower filled, an out-of-sync one hollow, one on a dead broker grey;
//    under each pip a catch-up bar: how far its log end reaches into the leader's shown records;
//  - the high watermark as a line on the shelf: records right of it are written but not readable
//    yet (consumers read below it), so they are veiled;
//  - a leader election rings the new leader's pip (red and marked "unclean" when an out-of-sync
//    replica was chosen); a truncation (ReplicaTruncated, an election that dropped records) flashes
//    a struck-through block past the log end with the count cut.
// Heatmap mode: one compact line of broker states.
//
// Everything is read from the frame of now (BR_*, REP_*, PART_HW/LEADER/EPOCH); the story events
// only start animations and keep what the frame cannot say (the last election's kind per
// partition, the groups each coordinator hosts). Nothing here changes the model.

const BAND_H = 44; // the broker cards' band over the shelves
const PIP = 12; // a replica pip's side
const PIP_GAP = 4;
const FLASH_MS = 2600;
export const HW_COLOR = { light: "#6d28d9", dark: "#b794f6" };
export const GOLD = "#d4a017";

const clamp = (x, lo, hi) => Math.max(lo, Math.min(hi, x));

/** Whether the stage shows brokers for this frame's scenario. */
export const active = (f) => f.hasBrokers();

/** Extra height the band takes over the shelves (0 without brokers). */
export function bandHeight(f) {
  return active(f) ? BAND_H : 0;
}

/** Width of the replica pips' column right of each shelf (0 without brokers). */
export function pipsWidth(f) {
  return active(f) ? (f.layout.replica_slots ?? 1) * (PIP + PIP_GAP) + 6 : 0;
}

/**
 * What the story events say that the frame does not: the last election per partition (unclean or
 * not, records dropped), the groups each broker coordinates, and the animations to play.
 * Replayed events (a seek) update the memory but start no animation.
 */
export class BrokerMemory {
  constructor() {
    this.reset();
  }

  reset() {
    this.elections = new Map(); // global partition index → {leader, epoch, unclean, truncated, at_ms}
    this.coordinators = null; // broker → [group index]; null = read the snapshot once more
    this.flashes = []; // {kind: "elect"|"cut", i, broker, unclean, count, t0}
    this.cut = new Map(); // global partition index → records cut in the latest truncation
  }

  /** Notes one story event; `animate` is false for events older than the animation horizon. */
  observe(ev, f, animate, wall) {
    if (!f) return;
    switch (ev.type) {
      case "LeaderElected": {
        const i = f.index(ev.topic, ev.partition);
        this.elections.set(i, { leader: ev.leader, epoch: ev.leader_epoch, unclean: ev.unclean, truncated: ev.truncated, at_ms: ev.at_ms });
        if (ev.truncated > 0) this.cut.set(i, ev.truncated);
        if (animate) {
          this.flashes.push({ kind: "elect", i, broker: ev.leader, unclean: ev.unclean, epoch: ev.leader_epoch, t0: wall });
          if (ev.truncated > 0) this.flashes.push({ kind: "cut", i, broker: ev.leader, count: ev.truncated, t0: wall });
        }
        break;
      }
      case "ReplicaTruncated": {
        const i = f.index(ev.topic, ev.partition);
        const count = ev.to_offset - ev.from_offset;
        if (count > 0) this.cut.set(i, count);
        if (animate && count > 0) this.flashes.push({ kind: "cut", i, broker: ev.broker, count, t0: wall });
        break;
      }
      case "CoordinatorMoved":
        this.coordinators = null;
        break;
      default:
    }
  }

  /** broker → group indices whose coordinator it hosts (from the snapshot, re-read after a move). */
  coordinatorsOf(controller) {
    if (!this.coordinators) {
      const snap = controller.snapshot();
      this.coordinators = (snap?.brokers ?? []).map((b) => b.coordinator_of ?? []);
    }
    return this.coordinators;
  }
}

/** Where the broker cards go: one card per broker across [x0, x1] at y. */
export function bandLayout(f, x0, x1, y) {
  const n = f.brokerCount();
  const gap = 8;
  const w = Math.min(170, (x1 - x0 - gap * (n - 1)) / n);
  const cards = [];
  for (let b = 0; b < n; b++) cards.push({ b, x: x0 + b * (w + gap), y, w, h: BAND_H - 8 });
  return { cards };
}

/** The state word a card shows: crashed / isolated / fenced / up. */
export function stateWord(f, b) {
  const s = f.brokerState(b);
  const fenced = f.br(b, f.K.BR_FENCED) > 0;
  return s === "up" ? (fenced ? "fenced" : "up") : fenced ? `${s}, fenced` : s;
}

/** Draws the broker band, the replica pips, the HW lines and the flashes (rows mode). */
export function draw(stage, f, wall) {
  const drawn = (stage._brokersDrawn = { brokers: [], partitions: [], flashes: [] });
  if (!active(f)) return;
  const g = stage.geom;
  const mem = stage.brokerMemory;
  const coords = mem.coordinatorsOf(stage.controller);
  for (const card of g.brokerBand?.cards ?? []) drawCard(stage, f, card, coords, drawn);
  for (const row of g.rows) if (!row.header) drawReplicas(stage, f, row, drawn);
  drawFlashes(stage, f, wall, drawn);
}

function drawCard(stage, f, card, coords, drawn) {
  const ctx = stage.ctx, th = stage.theme, K = f.K;
  const { b, x, y, w, h } = card;
  const state = f.brokerState(b);
  const word = stateWord(f, b);
  const leaders = f.br(b, K.BR_LEADERS), slow = f.br(b, K.BR_SLOW_MS);
  const groups = (coords[b] ?? []).map((gi) => f.layout.groups[gi]?.id).filter(Boolean);
  const dead = state === "crashed";
  ctx.globalAlpha = dead ? 0.45 : 1;
  stage._round(x, y, w, h, 6);
  ctx.fillStyle = dead ? th.faint : th.panel;
  ctx.fill();
  ctx.lineWidth = state === "up" ? 1 : 2;
  ctx.strokeStyle = dead ? th.muted : state === "isolated" ? th.lost : th.shelfEdge;
  if (state === "isolated") ctx.setLineDash([4, 3]);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.lineWidth = 1;
  const title = `broker ${b}`;
  stage._text(title, x + 6, y + 9, { size: 11, weight: "700", max: w * 0.55 });
  stage._setFont(10, "600");
  const ww = stage._width(word);
  stage._text(word, x + w - 6 - ww, y + 9, { size: 10, weight: "600", color: state === "up" && word === "up" ? th.muted : th.lost });
  const line = `leads ${leaders}${groups.length ? ` · coord ${groups.join(", ")}` : ""}${slow > 0 ? ` · slow +${slow >= 1000 ? `${+(slow / 1000).toFixed(1)} s` : `${slow} ms`}` : ""}`;
  stage._text(line, x + 6, y + h - 9, { size: 9.5, color: th.muted, max: w - 10 });
  ctx.globalAlpha = 1;
  if (dead) {
    // a crashed branch is crossed out
    ctx.strokeStyle = th.lost;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x + 4, y + 4); ctx.lineTo(x + w - 4, y + h - 4);
    ctx.moveTo(x + w - 4, y + 4); ctx.lineTo(x + 4, y + h - 4);
    ctx.stroke();
    ctx.lineWidth = 1;
  } else if (state === "isolated") {
    // the cut-off mark: the line to the network is cut (two slashes over the card's top edge)
    ctx.strokeStyle = th.lost;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x + w / 2 - 6, y + 3); ctx.lineTo(x + w / 2 - 2, y - 5);
    ctx.moveTo(x + w / 2 + 2, y + 3); ctx.lineTo(x + w / 2 + 6, y - 5);
    ctx.stroke();
    ctx.lineWidth = 1;
  }
  stage._reserve("broker", title, x, y, w, h);
  stage.hits.push({ kind: "broker", broker: b, x, y, w, h });
  drawn.brokers.push({ broker: b, state, fenced: f.br(b, K.BR_FENCED) > 0, word, leaders, coordinator_of: groups, slow_ms: slow, greyed: dead, cut: state === "isolated", x, y, w, h, line });
}

/** The replica pips and catch-up bars of one partition row, and its high-watermark line. */
function drawReplicas(stage, f, row, drawn) {
  const g = stage.geom, ctx = stage.ctx, th = stage.theme, K = f.K;
  const i = row.i;
  const cy = row.y + row.h / 2;
  const slots = f.layout.replica_slots ?? 1;
  const leo = f.logEnd(i), hw = f.part(i, K.PART_HW), leader = f.part(i, K.PART_LEADER);
  const lo = g.detailed ? stage._lo(f, i) : 0;
  const bandH = Math.max(4, row.h - (g.detailed ? 6 : 2));
  // the high watermark: a line where readable records end; what is right of it is veiled
  let hwX = null;
  if (hw >= 0) {
    let maxLeo = 1;
    if (!g.detailed) for (let k = 0; k < f.total; k++) maxLeo = Math.max(maxLeo, f.logEnd(k));
    const xOf = (o) => (g.detailed ? g.shelf.x0 + (o - lo) * g.slot - 1.5 : g.shelf.x0 + (g.shelf.x1 - g.shelf.x0) * (o / maxLeo));
    hwX = clamp(xOf(hw), g.shelf.x0 - 3, g.shelf.x1);
    const leoX = clamp(xOf(leo), g.shelf.x0 - 3, g.shelf.x1);
    const color = HW_COLOR[stage.themeName] ?? HW_COLOR.light;
    if (leoX > hwX + 1) {
      // not readable yet: veiled, and bracketed in the line's colour
      ctx.globalAlpha = 0.6;
      ctx.fillStyle = th.bg;
      ctx.fillRect(hwX, cy - bandH / 2, leoX - hwX, bandH);
      ctx.globalAlpha = 1;
      ctx.strokeStyle = color;
      ctx.setLineDash(DASH);
      ctx.strokeRect(hwX, cy - bandH / 2 + 0.5, leoX - hwX, bandH - 1);
      ctx.setLineDash(NO_DASH);
    }
    ctx.fillStyle = color;
    ctx.fillRect(hwX - 1, cy - bandH / 2 - 3, 2, bandH + 6);
    // its offset, where there is room (the shelf may show only records above it)
    if (row.hwN !== hw) { row.hwN = hw; row.hwS = `HW ${hw}`; }
    stage._setFont(9, "700");
    const w = stage._width(row.hwS);
    const r = stage._place("hw", row.hwS, hwX + 3, cy + bandH / 2 - 12, w, 11, g.shelf.x0);
    if (r) {
      ctx.fillStyle = th.bg;
      ctx.fillRect(r.x - 1, r.y, r.w + 2, r.h);
      stage._text(row.hwS, r.x, r.y + 5.5, { size: 9, weight: "700", color });
    }
  }
  const election = stage.brokerMemory.elections.get(i);
  const x0 = g.shelf.x1 + 6;
  const pips = [];
  for (let s = 0; s < slots; s++) {
    const b = f.rep(i, s, K.REP_BROKER);
    if (b < 0) continue;
    const isLeader = f.rep(i, s, K.REP_LEADER) > 0, inIsr = f.rep(i, s, K.REP_IN_ISR) > 0, rleo = f.rep(i, s, K.REP_LEO);
    const dead = f.brokerState(b) !== "up";
    const x = x0 + s * (PIP + PIP_GAP), y = cy - PIP / 2 - 2;
    stage._round(x, y, PIP, PIP, 3);
    if (isLeader) {
      ctx.fillStyle = th.ink;
      ctx.fill();
      ctx.strokeStyle = election?.unclean && election.leader === b ? th.lost : GOLD;
      ctx.lineWidth = 2;
      ctx.stroke();
    } else if (inIsr) {
      ctx.fillStyle = dead ? th.faint : th.muted;
      ctx.fill();
    } else {
      ctx.strokeStyle = dead ? th.faint : th.muted;
      ctx.lineWidth = 1.5;
      ctx.setLineDash(DASH);
      ctx.stroke();
      ctx.setLineDash(NO_DASH);
    }
    ctx.lineWidth = 1;
    stage._text(String(b), x + PIP / 2 - 3, y + PIP / 2 + 0.5, { size: 8.5, weight: "700", color: isLeader || (inIsr && !dead) ? th.bg : th.muted });
    if (dead) {
      ctx.strokeStyle = th.lost;
      ctx.beginPath();
      ctx.moveTo(x - 1, y - 1); ctx.lineTo(x + PIP + 1, y + PIP + 1);
      ctx.stroke();
    }
    // catch-up bar: how far this replica's log end reaches into the leader's shown records
    const span = Math.max(1, leo - lo);
    const frac = clamp((rleo - lo) / span, 0, 1);
    ctx.fillStyle = th.faint;
    ctx.fillRect(x, y + PIP + 2, PIP, 2);
    ctx.fillStyle = frac >= 1 ? th.muted : th.dup;
    ctx.fillRect(x, y + PIP + 2, PIP * frac, 2);
    pips.push({ broker: b, leader: isLeader, in_isr: inIsr, leo: rleo, behind: Math.max(0, leo - rleo), on_dead_broker: dead, x, y, w: PIP, h: PIP });
  }
  const w = slots * (PIP + PIP_GAP);
  stage._reserve("replicas", `P${row.partition} replicas`, x0 - 1, cy - PIP / 2 - 3, w, PIP + 6);
  drawn.partitions.push({
    topic: row.topic, partition: row.partition, leader, epoch: f.part(i, K.PART_EPOCH), isr: f.part(i, K.PART_ISR),
    hw, leo, hw_x: hwX, unclean: !!election?.unclean, pips,
  });
}

const DASH = [2, 2], NO_DASH = [];

function drawFlashes(stage, f, wall, drawn) {
  const g = stage.geom, ctx = stage.ctx, th = stage.theme;
  const mem = stage.brokerMemory;
  mem.flashes = mem.flashes.filter((x) => wall - x.t0 < FLASH_MS);
  for (const fl of mem.flashes) {
    const row = g.rowOf.get(fl.i);
    if (!row) continue;
    const t = (wall - fl.t0) / FLASH_MS;
    const cy = row.y + row.h / 2;
    ctx.globalAlpha = 1 - t;
    if (fl.kind === "elect") {
      const pip = stage._brokersDrawn.partitions.find((p) => p.partition === row.partition && p.topic === row.topic)?.pips.find((p) => p.broker === fl.broker);
      const text = fl.broker === null || fl.broker === undefined ? "offline: no leader" : fl.unclean ? `unclean: b${fl.broker} leads` : `leader → b${fl.broker} · epoch ${fl.epoch}`;
      if (pip) {
        ctx.strokeStyle = fl.unclean ? th.lost : GOLD;
        ctx.lineWidth = 2.5;
        const r = PIP / 2 + 3 + t * 8;
        ctx.beginPath();
        ctx.arc(pip.x + PIP / 2, pip.y + PIP / 2, r, 0, Math.PI * 2);
        ctx.stroke();
        ctx.lineWidth = 1;
      }
      tag(stage, "election", text, g.shelf.x1 - 4, row.y + 1, fl.unclean || fl.broker === null ? th.lost : th.ink);
    } else {
      // the records cut: a struck-through block just past the log end
      const x = clamp(g.shelf.x1 - 40, g.shelf.x0, g.shelf.x1);
      ctx.fillStyle = th.lost;
      ctx.fillRect(x, cy - 1, 40, 2);
      const text = `b${fl.broker} cut ${fl.count}`;
      tag(stage, "truncation", text, g.shelf.x1 - 4, row.y + row.h - 13, th.lost);
    }
    ctx.globalAlpha = 1;
    drawn.flashes.push({ kind: fl.kind, topic: row.topic, partition: row.partition, broker: fl.broker, unclean: !!fl.unclean, count: fl.count ?? 0 });
  }
}

/** A short text right-aligned at x, placed where no other label is (skipped if it cannot be). */
function tag(stage, kind, text, xRight, y, color) {
  const g = stage.geom;
  stage._setFont(10, "700");
  const w = stage._width(text);
  const r = stage._place(kind, text, xRight - w, y, w, 12, g.shelf.x0);
  if (!r) return;
  const ctx = stage.ctx;
  const a = ctx.globalAlpha;
  ctx.fillStyle = stage.theme.bg;
  ctx.fillRect(r.x - 2, r.y, r.w + 4, r.h);
  ctx.globalAlpha = a;
  stage._text(text, r.x, r.y + 6.5, { size: 10, color, weight: "700" });
}

/** Heatmap mode: one compact line of broker states along the top of the detail box. */
export function drawCompact(stage, f) {
  const drawn = (stage._brokersDrawn = { brokers: [], partitions: [], flashes: [] });
  if (!active(f)) return;
  const g = stage.geom, th = stage.theme, K = f.K;
  let x = g.detail.x + 6;
  const y = g.detail.y - 8;
  for (let b = 0; b < f.brokerCount(); b++) {
    const word = stateWord(f, b);
    const text = `b${b} ${word} · leads ${f.br(b, K.BR_LEADERS)}`;
    stage._setFont(9.5, "600");
    const w = stage._width(text);
    if (x + w > g.detail.x + g.detail.w) break;
    stage._text(text, x, y, { size: 9.5, weight: "600", color: word === "up" ? th.muted : th.lost });
    stage._reserve("broker", text, x, y - 6, w, 12);
    stage.hits.push({ kind: "broker", broker: b, x, y: y - 6, w, h: 12 });
    drawn.brokers.push({ broker: b, state: f.brokerState(b), word, leaders: f.br(b, K.BR_LEADERS), greyed: f.brokerState(b) === "crashed" });
    x += w + 14;
  }
}
