// The canvas stage: producers (left) → partition shelves (middle) → consumer groups (right).
//
// What is drawn comes from the controller's snapshot (the truth at this instant); motion comes from
// events: an appended record flies producer → shelf, a fetched batch flies shelf → consumer, a lost
// record drops into the tray, a duplicate flashes. Flights run in wall time (a 2 ms network hop
// would be invisible at 1×), so a record may finish its flight a moment after the model appended it;
// while it flies the shelf leaves its slot empty. Nothing here changes the model.
//
// Level of detail: with short rows (many partitions) envelopes give way to one bar per partition.

import { THEMES, groupColor, keyColor, memberColor, STATE_COLORS } from "./palette.js";

const FLIGHT_MS = 520;
const OWNER_MOVE_MS = 700;
const MAX_FLIGHTS = 90;
const ENVELOPE_MIN_ROW_PX = 18;
const PULSE_MS = 1600; // a moved partition's label and tag beat twice, then stay highlighted
const REMAPS_DRAWN = 8; // newest remapped keys drawn with a badge and a link

const lerp = (a, b, t) => a + (b - a) * t;
const ease = (t) => (t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2);
const clamp = (x, lo, hi) => Math.max(lo, Math.min(hi, x));

export class Stage {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {import("./controller.js").Controller} controller
   * @param {{reducedMotion?: boolean, theme?: string}} opts
   */
  constructor(canvas, controller, opts = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.controller = controller;
    this.reducedMotion = !!opts.reducedMotion;
    this.theme = THEMES[opts.theme] ?? THEMES.light;
    this.flights = [];
    this.flashes = [];
    this.hidden = new Map(); // "t:p" → Set of offsets in flight to the shelf
    this.ownerAnim = new Map(); // "g:t:p" → { from:{x,y}|null, to:{x,y}|null, owner, t0 }
    this.committedShown = new Map(); // "g:t:p" → displayed committed offset (smoothed)
    this.hits = [];
    this.geom = null;
    this.lostTray = []; // recent lost envelopes resting in the tray
    this.lastWall = performance.now();
    this.rebalance = opts.rebalance ?? null; // RebalanceTracker: moved / stayed / withheld marks
    this.keyMoves = opts.keyMoves ?? null; // KeyRemapTracker: keys that changed partition
    this.markSeen = new Map(); // mark seq → wall time it was first drawn (starts its pulse)
  }

  setTheme(name) {
    this.theme = THEMES[name] ?? THEMES.light;
  }

  /** Matches the backing store to the CSS size × devicePixelRatio; returns the CSS size. */
  resize() {
    const dpr = window.devicePixelRatio || 1;
    const r = this.canvas.getBoundingClientRect();
    const w = Math.max(1, Math.round(r.width * dpr));
    const h = Math.max(1, Math.round(r.height * dpr));
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    this.dpr = dpr;
    this.W = r.width;
    this.H = r.height;
  }

  reset() {
    this.flights = [];
    this.flashes = [];
    this.hidden.clear();
    this.ownerAnim.clear();
    this.committedShown.clear();
    this.lostTray = [];
    this.markSeen.clear();
  }

  // ---- events → animations -------------------------------------------------------------------

  /** Turns a batch of TimedEvents into animations; old events (a replay) animate nothing. */
  onEvents(batch) {
    if (this.reducedMotion) return;
    const now = this.controller.nowMs();
    // During a seek the batch covers a long stretch; only the last moment is worth animating.
    const horizon = now - 400 * Math.max(1, this.controller.speed);
    const wall = performance.now();
    for (const ev of batch) {
      if (ev.at_ms < horizon) continue;
      switch (ev.type) {
        case "RecordsAppended": {
          const n = Math.min(ev.keys.length, 6);
          for (let i = 0; i < n; i++) {
            const off = ev.base_offset + ev.keys.length - n + i;
            this._flight({ kind: "append", producer: ev.producer, topic: ev.topic, partition: ev.partition, offset: off, key: ev.keys[ev.keys.length - n + i], t0: wall + i * 40 });
          }
          break;
        }
        case "RecordsFetched": {
          const n = Math.min(ev.count, 5);
          for (let i = 0; i < n; i++) {
            this._flight({ kind: "fetch", group: ev.group, member: ev.member, topic: ev.topic, partition: ev.partition, offset: ev.first_offset + i, t0: wall + i * 50 });
          }
          break;
        }
        case "RecordsLost": {
          const n = Math.min(ev.count, 6);
          for (let i = 0; i < n; i++) this._flight({ kind: "lost", group: ev.group, topic: ev.topic, partition: ev.partition, offset: ev.first_offset + i, t0: wall + i * 60 });
          break;
        }
        case "OutputRecordAppended":
          this._flight({ kind: "output", group: ev.group, member: ev.member, topic: ev.topic, partition: ev.partition, offset: ev.offset, t0: wall });
          break;
        case "DuplicatesProcessed":
          this.flashes.push({ kind: "dup", group: ev.group, topic: ev.topic, partition: ev.partition, t0: wall, text: `duplicate ×${ev.count}` });
          break;
        case "RecordsProcessed":
          if (ev.duplicates) this.flashes.push({ kind: "dupMember", group: ev.group, member: ev.member, t0: wall });
          break;
        case "ConsumerCrashed":
          this.flashes.push({ kind: "crash", group: ev.group, member: ev.member, t0: wall });
          break;
        case "RebalanceStarted":
          this.flashes.push({ kind: "rebalance", group: ev.group, t0: wall });
          break;
        case "TransactionAborted":
          this.flashes.push({ kind: "abort", group: ev.group, member: ev.member, t0: wall });
          break;
        default:
      }
    }
  }

  _flight(f) {
    if (this.flights.length >= MAX_FLIGHTS) return; // at high speed, drawing every one is noise
    f.dur = FLIGHT_MS / Math.min(2, Math.max(1, Math.log10(this.controller.speed + 1) + 0.7));
    this.flights.push(f);
    if (f.kind === "append" || f.kind === "output") {
      const id = `${f.topic}:${f.partition}`;
      if (!this.hidden.has(id)) this.hidden.set(id, new Set());
      this.hidden.get(id).add(f.offset);
    }
  }

  // ---- layout ----------------------------------------------------------------------------

  /** Computes where everything goes for this snapshot, in CSS pixels. */
  layout(snap) {
    const W = this.W, H = this.H;
    const pad = 10;
    const narrow = W < 560;
    const pw = narrow ? clamp(W * 0.18, 64, 110) : clamp(W * 0.13, 92, 150);
    const cw = narrow ? clamp(W * 0.27, 96, 150) : clamp(W * 0.19, 128, 210);
    const top = pad + 20;
    const trayH = 26;
    const bottom = H - pad - trayH - 4;
    const midX0 = pad + pw + (narrow ? 18 : 34);
    const midX1 = W - pad - cw - (narrow ? 24 : 52);

    // Rows: a header row per topic, then one per partition.
    const rows = [];
    snap.topics.forEach((t, ti) => {
      if (snap.topics.length > 1) rows.push({ header: true, topic: ti });
      t.partitions.forEach((_, p) => rows.push({ topic: ti, partition: p }));
    });
    const rh = Math.min(58, (bottom - top) / Math.max(1, rows.length));
    const rowOf = new Map();
    rows.forEach((r, i) => {
      r.y = top + i * rh;
      r.h = rh;
      if (!r.header) rowOf.set(`${r.topic}:${r.partition}`, r);
    });
    const labelW = narrow ? 26 : 34;
    const leoW = narrow ? 30 : 40;
    const shelf = { x0: midX0 + labelW, x1: midX1 - leoW };
    const detailed = rh >= ENVELOPE_MIN_ROW_PX;
    const ew = clamp(rh * 0.62, 12, 30);
    const slot = ew + 3;

    // Producers, evenly spaced in the left column.
    const producers = snap.producers.map((p, i) => {
      const n = snap.producers.length;
      const h = clamp((bottom - top) / n - 10, 34, 70);
      const y = top + ((bottom - top) / n) * (i + 0.5) - h / 2;
      return { x: pad, y, w: pw, h };
    });

    // Groups, stacked in the right column; each gets a header and its member boxes.
    const groups = [];
    const nG = snap.groups.length;
    const totalMembers = snap.groups.reduce((a, g) => a + Math.max(1, g.members.length), 0);
    const headerH = 40;
    const avail = bottom - top - nG * (headerH + 8);
    const bh = clamp(avail / Math.max(1, totalMembers) - 6, 22, 66);
    let y = top;
    snap.groups.forEach((g) => {
      const gy = y;
      y += headerH;
      const members = g.members.map(() => {
        const r = { x: W - pad - cw, y, w: cw, h: bh };
        y += bh + 6;
        return r;
      });
      groups.push({ x: W - pad - cw, y: gy, w: cw, h: headerH - 4, members });
      y += 8;
    });

    const tray = { x: midX0, y: H - pad - trayH, w: midX1 - midX0, h: trayH };
    this.geom = { W, H, pad, rows, rowOf, rh, shelf, detailed, ew, slot, producers, groups, tray, midX0, midX1, labelW, narrow };
    return this.geom;
  }

  /** Leftmost offset shown on a partition's shelf (the shelf is a conveyor once full). */
  _lo(pv) {
    const g = this.geom;
    const n = Math.max(1, Math.floor((g.shelf.x1 - g.shelf.x0) / g.slot));
    return Math.max(pv.log_start_offset, pv.log_end_offset - n);
  }

  /** Centre of the slot of `offset` on partition (t, p), clamped to the shelf. */
  slotPoint(t, p, offset) {
    const g = this.geom;
    const row = g?.rowOf.get(`${t}:${p}`);
    const pv = this._snap?.topics[t]?.partitions[p];
    if (!row || !pv) return null;
    const lo = this._lo(pv);
    const x = g.shelf.x0 + (offset - lo) * g.slot + g.ew / 2;
    return { x: clamp(x, g.shelf.x0, g.shelf.x1), y: row.y + row.h / 2 };
  }

  // ---- drawing ---------------------------------------------------------------------------

  draw() {
    this.resize();
    const snap = this.controller.snapshot();
    this._snap = snap;
    const ctx = this.ctx;
    const th = this.theme;
    const wall = performance.now();
    const dtWall = wall - this.lastWall;
    this.lastWall = wall;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = th.bg;
    ctx.fillRect(0, 0, this.W, this.H);
    const g = this.layout(snap);
    this.hits = [];

    this._titles(snap);
    this._producers(snap);
    this._shelves(snap, dtWall);
    this._remapLinks(snap);
    this._ownership(snap, wall);
    this._marks(snap, wall);
    this._groups(snap, wall);
    this._tray(snap);
    this._flights(snap, wall);
    this._flashes(wall);
    return g;
  }

  _text(s, x, y, { size = 12, color = this.theme.ink, align = "left", weight = "", base = "middle", max } = {}) {
    const ctx = this.ctx;
    ctx.font = `${weight} ${size}px system-ui, -apple-system, "Segoe UI", sans-serif`;
    ctx.fillStyle = color;
    ctx.textAlign = align;
    ctx.textBaseline = base;
    if (max !== undefined) {
      let t = String(s);
      while (t.length > 1 && ctx.measureText(t).width > max) t = t.slice(0, -2) + "…";
      ctx.fillText(t, x, y);
    } else ctx.fillText(String(s), x, y);
  }

  _round(x, y, w, h, r) {
    const ctx = this.ctx;
    ctx.beginPath();
    ctx.roundRect(x, y, w, h, r);
  }

  _titles(snap) {
    const g = this.geom;
    const th = this.theme;
    this._text(g.narrow ? "producers" : "PRODUCERS", g.pad, g.pad + 8, { size: 11, color: th.muted, weight: "600" });
    const t0 = snap.topics[0];
    if (t0) {
      const name = snap.topics.length > 1 ? "TOPICS" : `TOPIC ${t0.name} · ${t0.partitions.length} partitions`;
      this._text(name, g.midX0, g.pad + 8, { size: 11, color: th.muted, weight: "600", max: g.midX1 - g.midX0 });
    }
    if (snap.groups.length) this._text("CONSUMER GROUP" + (snap.groups.length > 1 ? "S" : ""), g.groups[0].x, g.pad + 8, { size: 11, color: th.muted, weight: "600" });
  }

  _producers(snap) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    snap.producers.forEach((p, i) => {
      const r = g.producers[i];
      this._round(r.x, r.y, r.w, r.h, 8);
      ctx.fillStyle = th.panel;
      ctx.fill();
      ctx.strokeStyle = th.shelfEdge;
      ctx.lineWidth = 1;
      ctx.stroke();
      this._text(p.id, r.x + 8, r.y + 13, { size: 12, weight: "600", max: r.w - 14 });
      const keys = p.key_prefix ? `key: ${p.key_prefix}-*` : "no key";
      this._text(keys, r.x + 8, r.y + 28, { size: 11, color: th.muted, max: r.w - 14 });
      if (r.h > 48) this._text(`${fmtRate(p.rate_per_sec)}/s · ${p.produced} sent`, r.x + 8, r.y + 43, { size: 11, color: th.muted, max: r.w - 14 });
      // Unkeyed producers stick to one partition per batch (KIP-794): point at it.
      if (p.sticky_partition !== null && p.sticky_partition !== undefined) {
        const row = g.rowOf.get(`${p.topic}:${p.sticky_partition}`);
        if (row) {
          ctx.strokeStyle = th.faint;
          ctx.setLineDash([3, 3]);
          ctx.beginPath();
          ctx.moveTo(r.x + r.w, r.y + r.h / 2);
          ctx.lineTo(g.midX0 - 2, row.y + row.h / 2);
          ctx.stroke();
          ctx.setLineDash([]);
        }
      }
    });
  }

  _shelves(snap, dtWall) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    for (const row of g.rows) {
      if (row.header) {
        this._text(snap.topics[row.topic].name, g.midX0, row.y + row.h / 2, { size: 11, color: th.muted, weight: "600" });
        continue;
      }
      const pv = snap.topics[row.topic].partitions[row.partition];
      const cy = row.y + row.h / 2;
      const bandH = Math.max(4, row.h - (g.detailed ? 6 : 2));
      // the shelf
      ctx.fillStyle = th.shelf;
      ctx.fillRect(g.shelf.x0 - 4, cy - bandH / 2, g.shelf.x1 - g.shelf.x0 + 8, bandH);
      ctx.fillStyle = th.shelfEdge;
      ctx.fillRect(g.shelf.x0 - 4, cy + bandH / 2 - 1, g.shelf.x1 - g.shelf.x0 + 8, 1);
      this._labelMark(snap, row, cy);
      // label "P3"
      if (g.detailed || row.partition % Math.ceil(10 / Math.max(1, row.h)) === 0) {
        this._text(`P${row.partition}`, g.midX0, cy, { size: clamp(row.h * 0.45, 8, 13), weight: "600" });
      }
      const groupsHere = snap.groups.map((gv, gi) => ({ gv, gi, part: gv.partitions.find((x) => x.topic === row.topic && x.partition === row.partition) })).filter((x) => x.part);
      const lo = this._lo(pv);
      if (g.detailed) this._envelopes(row, pv, lo, groupsHere);
      else this._bar(row, pv, groupsHere);
      // committed markers, one per group, smoothed so a commit slides rather than jumps
      groupsHere.forEach(({ gi, part }, k) => {
        if (part.committed === null || part.committed === undefined) return;
        const id = `${gi}:${row.topic}:${row.partition}`;
        let shown = this.committedShown.get(id);
        shown = shown === undefined || this.reducedMotion ? part.committed : lerp(shown, part.committed, Math.min(1, dtWall / 120));
        if (Math.abs(shown - part.committed) < 0.01) shown = part.committed;
        this.committedShown.set(id, shown);
        const x = g.detailed ? g.shelf.x0 + (shown - lo) * g.slot - 1.5 : g.shelf.x0 + (g.shelf.x1 - g.shelf.x0) * (pv.log_end_offset ? shown / pv.log_end_offset : 0);
        const xc = clamp(x, g.shelf.x0 - 3, g.shelf.x1 + 2);
        const col = groupColor(gi, th);
        ctx.fillStyle = col;
        ctx.fillRect(xc - 1, cy - bandH / 2, 2, bandH);
        if (g.detailed) {
          // a flag under the shelf: ▲ with the committed offset
          const fy = cy + bandH / 2 - 1 - k * 0;
          ctx.beginPath();
          ctx.moveTo(xc, fy - 6);
          ctx.lineTo(xc - 5, fy + 1);
          ctx.lineTo(xc + 5, fy + 1);
          ctx.closePath();
          ctx.fill();
          if (x < g.shelf.x0 - 3) this._text(`◀${part.committed}`, g.shelf.x0 - 2, cy - bandH / 2 + 6, { size: 9, color: col });
        }
      });
      // log-end offset at the shelf's end
      const leoX = g.detailed ? Math.min(g.shelf.x1, g.shelf.x0 + (pv.log_end_offset - lo) * g.slot) : g.shelf.x1;
      ctx.fillStyle = th.ink;
      ctx.fillRect(leoX, cy - bandH / 2, 1.5, bandH);
      if (row.h >= 11) this._text(g.detailed ? `${pv.log_end_offset}` : `${pv.log_end_offset}`, g.shelf.x1 + 8, cy - (g.detailed && row.h > 30 ? 6 : 0), { size: clamp(row.h * 0.36, 8, 12), weight: "600" });
      if (g.detailed && row.h > 30) {
        const lag = groupsHere[0]?.part.lag;
        this._text(`LEO${lag !== undefined ? ` · lag ${lag}` : ""}`, g.shelf.x1 + 8, cy + 8, { size: 9, color: th.muted, max: g.midX1 - g.shelf.x1 + 40 });
      }
    }
  }

  _envelopes(row, pv, lo, groupsHere) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    const hid = this.hidden.get(`${row.topic}:${row.partition}`);
    const eh = Math.min(row.h - 12, g.ew * 0.72);
    const cy = row.y + row.h / 2;
    const committed = groupsHere[0]?.part.committed ?? 0;
    const position = groupsHere[0]?.part.position;
    for (let o = lo; o < pv.log_end_offset; o++) {
      if (hid?.has(o)) continue;
      const x = g.shelf.x0 + (o - lo) * g.slot;
      const i = o - pv.recent_base_offset;
      const known = i >= 0 && i < pv.recent_keys.length;
      const key = known ? pv.recent_keys[i] : null;
      const txn = known ? pv.recent_txn[i] : 0;
      const done = o < committed;
      if (txn === 4) {
        // a transaction marker: a thin post, not a record
        ctx.fillStyle = th.muted;
        ctx.fillRect(x + g.ew / 2 - 1, cy - eh / 2, 2, eh);
        continue;
      }
      ctx.globalAlpha = done ? 0.35 : 1;
      this._envelope(x, cy - eh / 2 - (position !== null && position !== undefined && o < position && !done ? 2 : 0), g.ew, eh, known ? keyColor(key, th) : th.faint, txn);
      ctx.globalAlpha = 1;
      if (g.ew >= 20 && row.h >= 30) this._text(o, x + g.ew / 2, cy + eh / 2 + 6, { size: 9, color: th.muted, align: "center" });
    }
  }

  _envelope(x, y, w, h, fill, txn = 0) {
    const ctx = this.ctx;
    const th = this.theme;
    ctx.fillStyle = fill;
    ctx.fillRect(x, y, w, h);
    ctx.strokeStyle = "rgba(0,0,0,0.35)";
    ctx.lineWidth = 1;
    if (txn === 1) {
      ctx.setLineDash([2, 2]);
      ctx.strokeStyle = th.txnOpen;
      ctx.lineWidth = 1.5;
    }
    ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
    ctx.setLineDash([]);
    // the flap
    ctx.beginPath();
    ctx.moveTo(x + 1, y + 1);
    ctx.lineTo(x + w / 2, y + h * 0.55);
    ctx.lineTo(x + w - 1, y + 1);
    ctx.strokeStyle = "rgba(0,0,0,0.3)";
    ctx.lineWidth = 1;
    ctx.stroke();
    if (txn === 3) {
      ctx.strokeStyle = th.txnAbort;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(x, y + h);
      ctx.lineTo(x + w, y);
      ctx.stroke();
    } else if (txn === 2) {
      ctx.fillStyle = th.ok;
      ctx.fillRect(x + w - 5, y + h - 5, 4, 4);
    }
  }

  /** Compact partition: log-end as a bar, committed part shaded. */
  _bar(row, pv, groupsHere) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    const maxLeo = Math.max(1, ...this._snap.topics[row.topic].partitions.map((p) => p.log_end_offset));
    const w = (g.shelf.x1 - g.shelf.x0) * (pv.log_end_offset / maxLeo);
    const h = Math.max(2, row.h - 3);
    const y = row.y + (row.h - h) / 2;
    ctx.fillStyle = th.faint;
    ctx.fillRect(g.shelf.x0, y, w, h);
    const c = groupsHere[0]?.part.committed ?? 0;
    const owner = groupsHere[0]?.part.owner;
    ctx.fillStyle = owner === null || owner === undefined ? th.noKey : memberColor(owner, th);
    ctx.fillRect(g.shelf.x0, y, (g.shelf.x1 - g.shelf.x0) * (c / maxLeo), h);
  }

  _memberAnchor(gi, m) {
    const r = this.geom.groups[gi]?.members[m];
    return r ? { x: r.x, y: r.y + r.h / 2 } : null;
  }

  /** Lines from each partition to its owner; an owner change slides the line's end across. */
  _ownership(snap, wall) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    snap.groups.forEach((gv, gi) => {
      for (const part of gv.partitions) {
        const row = g.rowOf.get(`${part.topic}:${part.partition}`);
        if (!row) continue;
        const id = `${gi}:${part.topic}:${part.partition}`;
        const owner = part.owner ?? null;
        const target = owner === null ? null : this._memberAnchor(gi, owner);
        let a = this.ownerAnim.get(id);
        if (!a) {
          a = { owner, from: target, to: target, t0: 0 };
          this.ownerAnim.set(id, a);
        } else if (a.owner !== owner) {
          const cur = this._lineEnd(a, wall);
          a.owner = owner;
          a.from = cur ?? (target ? { x: target.x, y: row.y + row.h / 2 } : null);
          a.to = target;
          a.t0 = this.reducedMotion ? 0 : wall;
        } else if (target) {
          a.to = target; // the member box moved (a resize); follow it
        }
        const x0 = g.midX1 - (g.detailed ? 2 : 0);
        const y0 = row.y + row.h / 2;
        const end = this._lineEnd(a, wall);
        if (!end) {
          // no owner: a grey stub and a question mark
          ctx.strokeStyle = th.faint;
          ctx.setLineDash([2, 3]);
          ctx.beginPath();
          ctx.moveTo(x0, y0);
          ctx.lineTo(x0 + 16, y0);
          ctx.stroke();
          ctx.setLineDash([]);
          if (row.h >= 12) this._text("?", x0 + 20, y0, { size: 10, color: th.muted });
          continue;
        }
        const col = owner === null ? th.faint : memberColor(owner, th);
        const mark = this.rebalance?.marks(gi).get(`${part.topic}:${part.partition}`);
        const moved = mark?.kind === "moved" && mark.to === owner;
        const beat = moved ? this._pulse(mark.seq, wall) : 0;
        ctx.strokeStyle = col;
        ctx.globalAlpha = moved ? 1 : snap.groups.length > 1 ? 0.55 : 0.8;
        ctx.lineWidth = (g.detailed ? 2 : 1) * (moved ? 1.8 + beat : 1);
        ctx.beginPath();
        ctx.moveTo(x0, y0);
        const mx = (x0 + end.x) / 2;
        ctx.bezierCurveTo(mx, y0, mx, end.y, end.x, end.y);
        ctx.stroke();
        ctx.globalAlpha = 1;
        ctx.lineWidth = 1;
        ctx.fillStyle = col;
        ctx.beginPath();
        ctx.arc(x0, y0, g.detailed ? 3 : 1.5, 0, Math.PI * 2);
        ctx.fill();
      }
    });
  }

  _lineEnd(a, wall) {
    if (!a.to) return null;
    if (!a.from || !a.t0) return a.to;
    const t = clamp((wall - a.t0) / OWNER_MOVE_MS, 0, 1);
    const e = ease(t);
    return { x: lerp(a.from.x, a.to.x, e), y: lerp(a.from.y, a.to.y, e) };
  }

  _groups(snap, wall) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    snap.groups.forEach((gv, gi) => {
      const gr = g.groups[gi];
      const rebalancing = gv.state !== "Stable";
      const flash = this.flashes.find((f) => f.kind === "rebalance" && f.group === gi && wall - f.t0 < 1200);
      this._round(gr.x, gr.y, gr.w, gr.h, 6);
      ctx.fillStyle = rebalancing ? (th === THEMES.dark ? "#4a3b12" : "#fff3cd") : th.panel;
      ctx.fill();
      ctx.strokeStyle = flash ? th.dup : groupColor(gi, th);
      ctx.lineWidth = flash ? 2.5 : 1.5;
      ctx.stroke();
      ctx.lineWidth = 1;
      const strat = gv.strategy ? ` · ${gv.strategy}${gv.cooperative ? " (cooperative)" : ""}` : "";
      this._text(`${gv.id}`, gr.x + 7, gr.y + 10, { size: 12, weight: "700", max: gr.w * 0.5 });
      this._text(stateWord(gv.state), gr.x + gr.w - 6, gr.y + 10, { size: 11, color: rebalancing ? th.dup : th.ok, align: "right", weight: "600", max: gr.w * 0.48 });
      this._text(`generation ${gv.generation}${strat}`, gr.x + 7, gr.y + 25, { size: 10, color: th.muted, max: gr.w - 12 });
      gv.members.forEach((mv, m) => this._member(gi, gv, mv, m, gr.members[m], wall));
    });
  }

  _member(gi, gv, mv, m, r, wall) {
    const th = this.theme;
    const ctx = this.ctx;
    const dead = mv.state === "Crashed" || mv.state === "Left";
    const idle = mv.state === "Idle";
    // An idle consumer bobs gently (and dims): it is in the group with nothing to read.
    const bob = idle && !this.reducedMotion ? Math.sin(wall / 500 + m) * 2 : 0;
    const y = r.y + bob;
    const col = memberColor(m, th);
    ctx.globalAlpha = dead ? 0.5 : idle ? 0.75 : 1;
    this._round(r.x, y, r.w, r.h, 8);
    ctx.fillStyle = th.panel;
    ctx.fill();
    ctx.strokeStyle = dead ? th.faint : col;
    ctx.lineWidth = 2;
    if (mv.state === "Left") ctx.setLineDash([4, 3]);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.lineWidth = 1;
    // colour tab on the left edge: the colour its partitions' lines use
    ctx.fillStyle = dead ? th.faint : col;
    ctx.fillRect(r.x + 1, y + 4, 4, r.h - 8);
    const leader = gv.leader === m ? " ★" : "";
    const big = r.h >= 40;
    const label = mv.state.toLowerCase();
    ctx.font = "600 10px system-ui, sans-serif";
    const bw = ctx.measureText(label).width + 10;
    // Narrow boxes (docs width, phones): the badge goes under the name instead of beside it.
    const stacked = big && r.w - bw - 22 < 70;
    const line = stacked ? 14 : 0;
    this._text(`${mv.name}${leader}`, r.x + 10, y + (big ? 12 : r.h / 2), { size: 12, weight: "600", max: stacked ? r.w - 16 : r.w - bw - 22 });
    const bx = stacked ? r.x + 10 : r.x + r.w - bw - 6;
    const by = stacked ? y + 20 : y + (big ? 5 : r.h / 2 - 7);
    this._round(bx, by, bw, 14, 7);
    ctx.fillStyle = STATE_COLORS[mv.state] ?? th.muted;
    ctx.fill();
    this._text(label, bx + bw / 2, by + 7.5, { size: 10, color: "#fff", align: "center", weight: "600" });
    if (big && (!stacked || r.h >= 50)) {
      const mine = dead ? [] : mv.assigned; // a dead process owns nothing, whatever it last believed
      const parts = mine.length ? mine.map(([, p]) => `P${p}`).join(" ") : idle ? "no partitions · zzz" : "—";
      this._text(parts, r.x + 10, y + 28 + line, { size: 10, color: th.muted, max: r.w - 16 });
      if (r.h >= 52 + line) {
        const work = mv.processing ? `working on P${mv.processing[1]}@${mv.processing[2]}` : "";
        const pend = mv.pending ? ` · ${mv.pending} waiting` : "";
        this._text(`${work}${pend}` || `${mv.processed} processed`, r.x + 10, y + 42 + line, { size: 10, color: th.muted, max: r.w - 16 });
      }
    }
    ctx.globalAlpha = 1;
    if (mv.state === "Crashed") {
      ctx.strokeStyle = th.crashed;
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      ctx.moveTo(r.x + r.w - 18, y + r.h - 14);
      ctx.lineTo(r.x + r.w - 8, y + r.h - 4);
      ctx.moveTo(r.x + r.w - 8, y + r.h - 14);
      ctx.lineTo(r.x + r.w - 18, y + r.h - 4);
      ctx.stroke();
      ctx.lineWidth = 1;
    }
    this.hits.push({ kind: "consumer", group: gi, member: m, x: r.x, y: r.y, w: r.w, h: r.h });
  }

  _tray(snap) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    const t = g.tray;
    const lost = snap.groups.reduce((a, gv) => a + gv.lost, 0);
    const dups = snap.groups.reduce((a, gv) => a + gv.duplicates, 0);
    this._round(t.x, t.y, t.w, t.h, 6);
    ctx.fillStyle = lost ? (th === THEMES.dark ? "#3b1a1a" : "#fdecea") : th.panel;
    ctx.fill();
    ctx.strokeStyle = lost ? th.lost : th.faint;
    ctx.setLineDash([4, 3]);
    ctx.stroke();
    ctx.setLineDash([]);
    this._text(`lost tray: ${lost}`, t.x + 8, t.y + t.h / 2, { size: 11, color: lost ? th.lost : th.muted, weight: "600" });
    this._text(`duplicates: ${dups}`, t.x + t.w - 8, t.y + t.h / 2, { size: 11, color: dups ? th.dup : th.muted, weight: "600", align: "right" });
    // envelopes resting in the tray (most recent, up to what fits)
    const n = Math.min(this.lostTray.length, Math.floor((t.w - 220) / 16));
    for (let i = 0; i < n; i++) {
      this._envelope(t.x + 100 + i * 16, t.y + 7, 13, 10, th.lost);
    }
  }

  _flights(snap, wall) {
    const g = this.geom;
    const th = this.theme;
    const keep = [];
    for (const f of this.flights) {
      const t = (wall - f.t0) / f.dur;
      if (t < 0) { keep.push(f); continue; }
      let from, to, color;
      if (f.kind === "append") {
        const pr = g.producers[f.producer];
        from = pr ? { x: pr.x + pr.w, y: pr.y + pr.h / 2 } : null;
        to = this.slotPoint(f.topic, f.partition, f.offset);
        color = keyColor(f.key, th);
      } else if (f.kind === "fetch") {
        from = this.slotPoint(f.topic, f.partition, f.offset);
        to = this._memberAnchor(f.group, f.member);
        if (to) to = { x: to.x + 12, y: to.y };
        const pv = snap.topics[f.topic]?.partitions[f.partition];
        const i = pv ? f.offset - pv.recent_base_offset : -1;
        color = pv && i >= 0 && i < pv.recent_keys.length ? keyColor(pv.recent_keys[i], th) : th.noKey;
      } else if (f.kind === "output") {
        // consume-transform-produce: the result travels from the consumer to the output topic
        const m = this._memberAnchor(f.group, f.member);
        from = m ? { x: m.x, y: m.y } : null;
        to = this.slotPoint(f.topic, f.partition, f.offset);
        color = th.txnOpen;
      } else {
        from = this.slotPoint(f.topic, f.partition, f.offset);
        to = { x: g.tray.x + 100 + (this.lostTray.length % 20) * 16, y: g.tray.y + 12 };
        color = th.lost;
      }
      if (t >= 1 || !from || !to) {
        this._land(f);
        continue;
      }
      keep.push(f);
      const e = ease(t);
      const x = lerp(from.x, to.x, e);
      // a small arc: envelopes are tossed, not slid
      const y = lerp(from.y, to.y, e) - Math.sin(Math.PI * t) * (f.kind === "lost" ? -10 : 18);
      if (!g.detailed && f.kind !== "lost") continue;
      const ew = g.detailed ? g.ew * 0.8 : 10;
      this._envelope(x - ew / 2, y - ew * 0.36, ew, ew * 0.72, color);
    }
    this.flights = keep;
  }

  _land(f) {
    if (f.kind === "append" || f.kind === "output") {
      const id = `${f.topic}:${f.partition}`;
      this.hidden.get(id)?.delete(f.offset);
    } else if (f.kind === "lost") {
      this.lostTray.push(f.offset);
      if (this.lostTray.length > 40) this.lostTray.shift();
    }
  }

  _flashes(wall) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    this.flashes = this.flashes.filter((f) => wall - f.t0 < 1400);
    for (const f of this.flashes) {
      const t = (wall - f.t0) / 1400;
      if (f.kind === "crash" || f.kind === "dupMember" || f.kind === "abort") {
        const r = g.groups[f.group]?.members[f.member];
        if (!r) continue;
        ctx.strokeStyle = f.kind === "dupMember" ? th.dup : th.crashed;
        ctx.globalAlpha = 1 - t;
        ctx.lineWidth = 3;
        this._round(r.x - 3 - t * 6, r.y - 3 - t * 6, r.w + 6 + t * 12, r.h + 6 + t * 12, 10);
        ctx.stroke();
        ctx.lineWidth = 1;
        if (f.kind === "dupMember") this._text("DUP", r.x - 8, r.y + 8 - t * 12, { size: 11, color: th.dup, weight: "700", align: "right" });
        ctx.globalAlpha = 1;
      } else if (f.kind === "dup") {
        const row = g.rowOf.get(`${f.topic}:${f.partition}`);
        if (!row) continue;
        ctx.globalAlpha = 1 - t;
        ctx.fillStyle = th.dup;
        ctx.fillRect(g.shelf.x0 - 6, row.y + 1, 3, row.h - 2);
        this._text(f.text, g.shelf.x1 - 4, row.y + 7 - t * 6, { size: 10, color: th.dup, weight: "700", align: "right" });
        ctx.globalAlpha = 1;
      }
    }
  }

  // ---- rebalance marks and remapped keys ----------------------------------------------------

  /** 0..1 pulse for a freshly drawn mark (none with reduced motion: the mark is simply shown). */
  _pulse(seq, wall) {
    if (!this.markSeen.has(seq)) this.markSeen.set(seq, wall);
    if (this.reducedMotion) return 0;
    const t = (wall - this.markSeen.get(seq)) / PULSE_MS;
    return t >= 1 ? 0 : 0.5 - 0.5 * Math.cos(t * Math.PI * 4); // two beats, then still
  }

  /** The rebalance marks on partition row (t, p): [{gi, mark}] for every group. */
  _rowMarks(snap, row) {
    if (!this.rebalance) return [];
    const out = [];
    snap.groups.forEach((_, gi) => {
      const m = this.rebalance.marks(gi).get(`${row.topic}:${row.partition}`);
      if (m && m.kind !== "new") out.push({ gi, mark: m });
    });
    return out;
  }

  /** A pill behind the shelf label: the new owner's colour when the partition moved. */
  _labelMark(snap, row, cy) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    const marks = this._rowMarks(snap, row);
    const moved = marks.find((x) => x.mark.kind === "moved");
    const held = marks.find((x) => x.mark.kind === "withheld");
    const h = clamp(row.h - 4, 8, 20);
    if (moved) {
      const p = this._pulse(moved.mark.seq, performance.now());
      ctx.fillStyle = memberColor(moved.mark.to, th);
      ctx.globalAlpha = 0.28 + 0.5 * p;
      this._round(g.midX0 - 4, cy - h / 2, g.labelW - 2, h, 5);
      ctx.fill();
      ctx.globalAlpha = 1;
    } else if (held) {
      ctx.strokeStyle = th.dup;
      ctx.setLineDash([3, 2]);
      this._round(g.midX0 - 4, cy - h / 2, g.labelW - 2, h, 5);
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }

  /** Tags at the shelf's right end: "moved → consumer-4", "stayed", "withheld — revoking". */
  _marks(snap, wall) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    if (!g.detailed || g.rh < 16) return; // compact rows: the label pill and the bold line say it
    for (const row of g.rows) {
      if (row.header) continue;
      let x = g.shelf.x1 - 2;
      const y = row.y + 7;
      const many = snap.groups.length > 1;
      for (const { gi, mark } of this._rowMarks(snap, row).reverse()) {
        if (many && mark.kind === "stayed") continue; // with several groups only changes get a tag
        let text, fill, ink = "#fff", dash = false;
        if (mark.kind === "moved") { text = g.narrow ? "moved" : `moved → c${mark.to + 1}`; fill = memberColor(mark.to, th); } else if (mark.kind === "withheld") { text = g.narrow ? "withheld" : "withheld — revoking"; fill = th.panel; ink = th.dup; dash = true; } else { text = "stayed"; fill = null; ink = th.muted; }
        if (many) text = `${snap.groups[gi].id.slice(0, 10)}: ${text}`;
        ctx.font = "600 9px system-ui, sans-serif";
        const w = ctx.measureText(text).width + 8;
        if (x - w < g.shelf.x0 + 20) break;
        if (fill) {
          const p = mark.kind === "moved" ? this._pulse(mark.seq, wall) : 0;
          this._round(x - w, y - 6, w, 12, 6);
          ctx.fillStyle = fill;
          ctx.fill();
          if (p) { ctx.strokeStyle = fill; ctx.globalAlpha = p; ctx.lineWidth = 2; this._round(x - w - 2 * p, y - 6 - 2 * p, w + 4 * p, 12 + 4 * p, 7); ctx.stroke(); ctx.globalAlpha = 1; ctx.lineWidth = 1; }
          if (dash) { ctx.strokeStyle = th.dup; ctx.setLineDash([3, 2]); this._round(x - w, y - 6, w, 12, 6); ctx.stroke(); ctx.setLineDash([]); }
        }
        this._text(text, x - w / 2, y + 0.5, { size: 9, color: ink, align: "center", weight: "600" });
        x -= w + 4;
      }
    }
  }

  /**
   * The first record of each recently remapped key (after partitions were added) gets a "↪" badge
   * and a dotted link back to the key's last record on its old partition; red when a consumer
   * processed it before the old partition's owner had processed the older one.
   */
  _remapLinks(snap) {
    const km = this.keyMoves;
    if (!km || !km.remaps.length) return;
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    const recent = km.recent(REMAPS_DRAWN);
    // Only the newest badge of a row gets words; neighbours' labels would print over each other.
    const newestOnRow = new Map(recent.map((r) => [`${r.topic}:${r.to}`, r]));
    for (const r of recent) {
      const pv = snap.topics[r.topic]?.partitions[r.to];
      const row = g.rowOf.get(`${r.topic}:${r.to}`);
      if (!pv || !row || this.hidden.get(`${r.topic}:${r.to}`)?.has(r.offset)) continue;
      if (g.detailed && r.offset < this._lo(pv)) continue; // scrolled off the shelf
      const at = g.detailed ? this.slotPoint(r.topic, r.to, r.offset) : { x: g.shelf.x1 - 6, y: row.y + row.h / 2 };
      const old = this.slotPoint(r.topic, r.from, r.fromOffset);
      if (!at || !old) continue;
      const broken = r.groups.includes("out of order");
      const col = keyColor(r.n, th);
      ctx.strokeStyle = broken ? th.lost : col;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([2, 3]);
      ctx.beginPath();
      const top = Math.min(at.y, old.y) - 6;
      ctx.moveTo(at.x, at.y - 4);
      ctx.bezierCurveTo(at.x, top, old.x, top, old.x, old.y - 4);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.lineWidth = 1;
      if (!g.detailed) continue;
      const bx = at.x + g.ew / 2 - 2, by = at.y - g.ew * 0.36;
      ctx.beginPath();
      ctx.arc(bx, by, 6, 0, Math.PI * 2);
      ctx.fillStyle = th.panel;
      ctx.fill();
      ctx.strokeStyle = broken ? th.lost : th.ink;
      ctx.lineWidth = broken ? 2 : 1;
      ctx.stroke();
      ctx.lineWidth = 1;
      this._text("↪", bx, by + 0.5, { size: 9, color: broken ? th.lost : th.ink, align: "center", weight: "700" });
      if (row.h >= 30 && (newestOnRow.get(`${r.topic}:${r.to}`) === r || broken)) this._text(broken ? `${r.key} out of order` : `${r.key} moved here`, bx + 8, by - 1, { size: 9, color: broken ? th.lost : th.muted, weight: "600" });
    }
  }

  /** The consumer under a CSS-pixel point of the canvas, if any. */
  hitTest(x, y) {
    return this.hits.find((h) => x >= h.x && x <= h.x + h.w && y >= h.y && y <= h.y + h.h) ?? null;
  }

  /** Centre of a consumer's box in CSS pixels of the canvas (for tests and the menu). */
  consumerPoint(group, member) {
    const h = this.hits.find((x) => x.group === group && x.member === member);
    return h ? { x: h.x + h.w / 2, y: h.y + h.h / 2, rect: { ...h } } : null;
  }
}

function stateWord(s) {
  return { Empty: "empty", PreparingRebalance: "rebalancing…", CompletingRebalance: "syncing…", Stable: "stable" }[s] ?? s;
}

function fmtRate(r) {
  return r >= 1000 ? `${(r / 1000).toFixed(r >= 10000 ? 0 : 1)}k` : `${+r.toFixed(1)}`;
}
