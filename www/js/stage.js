// The canvas stage: producers (left) → partition shelves (middle) → consumer groups (right).
//
// What is drawn comes from the frame arrays (frame.js: typed views over the model's memory, read
// every animation frame without conversion); motion comes from the envelope ring (a bounded
// sample of appends, fetches, losses and outputs: an appended record flies producer → shelf, a
// fetched batch flies shelf → consumer, a lost record drops into the tray) and from story events
// (a duplicate or a crash flashes). Flights run in wall time (a 2 ms network hop would be
// invisible at 1×), so a record may finish its flight a moment after the model appended it; while
// it flies the shelf leaves its slot empty. Nothing here changes the model.
//
// Level of detail:
// - rows: one shelf per partition with envelopes (keys from the record tails) when rows are tall
//   enough, else one bar per partition; every group stacked on the right;
// - heatmap (more than ROWS_MAX_PARTITIONS partitions or MEMBERS_MAX_ROWS consumers): every group
//   side by side, one cell per partition coloured by its owner with its lag as a dark fill, and one
//   tile per consumer coloured by its state. Click a cell or a tile (or ↑/↓ on the stage) to focus
//   it: the detail box shows its numbers and, for a partition, its newest records.

import { THEMES, groupColor, keyColor, keyHue, keyHueColors, memberColor, STATE_COLORS } from "./palette.js";
import { ENVELOPE } from "./frame.js";
import * as kip848 from "./kip848.js";
import * as shareLane from "./sharelane.js";
import * as brokers from "./brokers.js";
import { Receipts } from "./receipts.js";

const FLIGHT_MS = 520;
const OWNER_MOVE_MS = 700;
const MAX_FLIGHTS = 90;
const MAX_FLIGHTS_FAST = 48;
const ENVELOPE_MIN_ROW_PX = 18;
const PULSE_MS = 1600; // a moved partition's label and tag beat twice, then stay highlighted
const REMAPS_DRAWN = 8; // newest remapped keys drawn with a badge and a link
/** Above this many partitions (or consumers) the stage switches to the heatmap. */
export const ROWS_MAX_PARTITIONS = 64;
export const MEMBERS_MAX_ROWS = 40;
const DETAIL_H = 74;

// Envelope status on a shelf (for the first group that reads the partition).
const ST_UNREAD = 0, ST_FETCHED = 1, ST_PROCESSED = 2, ST_COMMITTED = 3;
const STATUS_NAMES = ["unread", "fetched", "processed", "committed"];
const FADED = 0.35;
// Envelope colour index: a key's hue 0..359, then no key, then an unknown key (not in the tail).
const COL_NOKEY = 360, COL_FAINT = 361, COLORS_N = 362;

/** Envelope buffers for `cap` envelopes (keeping the first old.n of `old`). */
function growEnv(old, cap) {
  const e = { cap, n: 0, eh: 0, x: new Float32Array(cap), y: new Float32Array(cap), col: new Int16Array(cap), st: new Uint8Array(cap), txn: new Uint8Array(cap), o: new Float64Array(cap), i: new Int32Array(cap), order: new Int32Array(cap), counts: new Int32Array(2 * COLORS_N) };
  if (old) {
    for (const k of ["x", "y", "col", "st", "txn", "o", "i"]) e[k].set(old[k].subarray(0, old.n));
    e.n = old.n;
    e.eh = old.eh;
  }
  return e;
}

function makeCanvas(w, h) {
  if (typeof OffscreenCanvas === "function") return new OffscreenCanvas(w, h);
  const c = document.createElement("canvas");
  c.width = w;
  c.height = h;
  return c;
}

/** "consumer-12" → "c12", "producer-3" → "p3", "share-consumer-2" → "s2"; other names are returned as they are. */
export function shortName(s) {
  const m = /^([A-Za-z])[A-Za-z_.-]*?[-_ ]?(\d+)((?: ★)?)$/.exec(s);
  return m ? `${m[1]}${m[2]}${m[3]}` : s;
}

const DASH33 = [3, 3], NO_DASH = [];
const DIGITS = /\d/g;
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
    this.hidden = new Map(); // global partition index → Set of offsets in flight to the shelf
    this.ownerAnim = new Map(); // "g:i" → { from:{x,y}|null, to:{x,y}|null, owner, t0 }
    this.committedShown = new Map(); // "g:i" → displayed committed offset (smoothed)
    this.hits = [];
    this.geom = null;
    this.lostTray = []; // recent lost envelopes resting in the tray
    this.lastWall = performance.now();
    this.rebalance = opts.rebalance ?? null; // RebalanceTracker: moved / stayed / withheld marks
    this.keyMoves = opts.keyMoves ?? null; // KeyRemapTracker: keys that changed partition
    this.markSeen = new Map(); // mark seq → wall time it was first drawn (starts its pulse)
    this.envSeq = controller.frame?.envSeq ?? 0;
    this.focus = null; // {partition: i} | {member: [g, m]}
    this.brokerMemory = new brokers.BrokerMemory(); // elections, coordinators, broker flashes (brokers.js)
    this.receipts = new Receipts(); // the producers' acks flying back (receipts.js)
    this._colors = new Map();
    this.themeName = THEMES[opts.theme] ? opts.theme : "light";
    // Per-frame scratch, allocated once and grown when needed (no allocation in the hot path).
    this._env = null; // envelope buffers of the last frame (see _envelopes, debugState)
    this._font = ""; // the font last set on ctx (setting the same string again re-parses it)
    this._fontStr = new Map();
    this._widths = new Map(); // font + text → measured width
    this._fits = new Map(); // font + max + text → the text shortened to fit
    this._static = null; // the cached static layer (background, titles, shelf bands)
    this._geomKey = "";
    this._names = []; // [full name, drawn text, …] of consumers and groups this frame (tests)
    this.labels = []; // label rects placed this frame (collision-aware placement), for tests too
    this._labelPool = [];
    this.keyHues = keyHueColors(this.theme);
    this._size = null;
    if (typeof ResizeObserver === "function") {
      this._ro = new ResizeObserver(() => { this._size = null; });
      this._ro.observe(canvas);
    }
    // Shortened names on the canvas get their full name as a tooltip.
    canvas.addEventListener("mousemove", (e) => {
      const r = canvas.getBoundingClientRect();
      const h = this.hitTest(e.clientX - r.left, e.clientY - r.top);
      const f = this.controller.frame;
      let tip = "";
      if (h?.kind === "shareConsumer" && f) tip = `${f.shareMemberName(h.group, h.member)} (share group ${f.shareGroupsL[h.group]?.id}) · ${f.shareMemberState(h.group, h.member)}`;
      else if (h?.kind === "consumer" && f) tip = `${f.memberName(h.group, h.member)} (${f.layout.groups[h.group]?.id}) · ${f.memberState(h.group, h.member).toLowerCase()}`;
      else if (h?.kind === "group" && f && this._down) tip = `${f.layout.groups[h.group]?.id}: orange bars = how long each partition had no owner in the latest rebalance (${f.subscribed[h.group].map((i) => `P${f.partOfIdx[i]} ${(this._down.shown[h.group * f.total + i] / 1000).toFixed(1)} s`).join(", ")})`;
      else if (h?.kind === "broker" && f) tip = `broker ${h.broker} · ${brokers.stateWord(f, h.broker)} — click for crash, restart, isolate, heal, slow follower`;
      else if (h?.kind === "why") tip = "Why? Click for the cause of each";
      else if (h?.kind === "partition" && f) tip = `${f.layout.topics[f.topicOfIdx[h.index]]?.name} P${f.partOfIdx[h.index]} · log-end ${f.logEnd(h.index)}`;
      if (canvas.title !== tip) canvas.title = tip;
    });
  }

  setTheme(name) {
    this.theme = THEMES[name] ?? THEMES.light;
    this.themeName = THEMES[name] ? name : "light";
    this._colors.clear();
    this.keyHues = keyHueColors(this.theme);
    this._static = null;
  }

  _member(m) {
    const k = m % 10;
    let c = this._colors.get(k);
    if (!c) { c = memberColor(k, this.theme); this._colors.set(k, c); }
    return c;
  }

  /** A key's colour, cached (canvas re-parses every colour string it is given). */
  _key(n) {
    if (n === null || n === undefined) return this.theme.noKey;
    let c = this._keyColors?.get(n);
    if (c) return c;
    if (!this._keyColors || this._keyColors.size > 4096 || this._keyTheme !== this.theme) { this._keyColors = new Map(); this._keyTheme = this.theme; }
    c = keyColor(n, this.theme);
    this._keyColors.set(n, c);
    return c;
  }

  /** Matches the backing store to the CSS size × devicePixelRatio; returns the CSS size. */
  resize() {
    const dpr = window.devicePixelRatio || 1;
    // The CSS size is read only after a resize (ResizeObserver): reading it every frame would
    // force a synchronous layout whenever the panels changed some text.
    if (!this._size || this._size.dpr !== dpr || !this._ro) { const b = this.canvas.getBoundingClientRect(); this._size = { width: b.width, height: b.height, dpr }; }
    const r = this._size;
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
    this._shown?.fill(NaN);
    this._down = null;
    this._sprites?.clear();
    this._assignCache = null;
    this.lostTray = [];
    this.brokerMemory.reset();
    this.receipts.reset();
    this.markSeen.clear();
    this.envSeq = this.controller.frame?.envSeq ?? 0; // nothing replayed animates
    if (this.focus?.partition >= (this.controller.frame?.total ?? 0)) this.focus = null;
  }

  // ---- focus -------------------------------------------------------------------------------

  setFocus(focus) {
    this.focus = focus;
  }

  /**
   * Moves the focus by `d` through the partitions, then the consumers (so the keyboard reaches
   * every detail the mouse does); 0 clears the focus.
   */
  moveFocus(d) {
    const f = this.controller.frame;
    if (!d || !f || !f.total) { this.focus = null; return; }
    const n = f.total + f.totalMembers;
    let cur;
    if (this.focus?.partition !== undefined) cur = this.focus.partition;
    else if (this.focus?.member) cur = f.total + (f.layout.groups[this.focus.member[0]]?.member_base ?? 0) + this.focus.member[1];
    else cur = d > 0 ? -1 : 0;
    const k = (((cur + d) % n) + n) % n;
    if (k < f.total) { this.focus = { partition: k }; return; }
    const gm = k - f.total;
    const L = f.layout.groups;
    for (let gi = L.length - 1; gi >= 0; gi--) {
      if (gm >= L[gi].member_base) { this.focus = { member: [gi, gm - L[gi].member_base] }; return; }
    }
    this.focus = { partition: 0 };
  }

  // ---- story events and sampled envelopes → animations -------------------------------------

  /** Turns story events into flashes; old events (a seek's replay) animate nothing. */
  onEvents(batch) {
    const now = this.controller.nowMs();
    const horizon = now - 400 * Math.max(1, this.controller.speed);
    const wall = performance.now();
    // brokers.js remembers elections and coordinators from every event, replayed ones included
    const f = this.controller.frame;
    for (const ev of batch) this.brokerMemory.observe(ev, f, !this.reducedMotion && ev.at_ms >= horizon, wall);
    if (this.reducedMotion) return;
    for (const ev of batch) {
      if (ev.at_ms < horizon) continue;
      switch (ev.type) {
        case "DuplicatesProcessed":
          this.flashes.push({ kind: "dup", group: ev.group, topic: ev.topic, partition: ev.partition, offset: ev.first_offset, t0: wall, text: `duplicate ×${ev.count}` });
          if (ev.member !== undefined) this.flashes.push({ kind: "dupMember", group: ev.group, member: ev.member, t0: wall });
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

  /** Flights for the envelopes sampled since the last frame (at most the ring). */
  _sample(f) {
    const after = this.envSeq;
    if (this.reducedMotion || this.geom.mode !== "rows") { this.envSeq = f.envSeq; return; }
    const E = f.envelopes;
    const now = this.controller.nowMs();
    const horizon = now - 400 * Math.max(1, this.controller.speed);
    const wall = performance.now();
    this.envSeq = f.envelopesAfter(after, (r) => {
      if (E[r + 9] < horizon || this.flights.length >= this._maxFlights()) return;
      const kind = E[r + 1], who = E[r + 2], member = E[r + 3], topic = E[r + 4], partition = E[r + 5], offset = E[r + 6], key = E[r + 7], count = E[r + 8];
      const i = f.index(topic, partition);
      if (kind === ENVELOPE.APPEND) {
        const n = Math.min(count, 6);
        for (let k = 0; k < n; k++) {
          const off = offset - n + 1 + k;
          const kk = f.keyAt(i, off);
          this._flight({ kind: "append", producer: who, i, offset: off, key: kk === undefined ? (key >= 0 ? key : null) : kk, t0: wall + k * 40 });
        }
      } else if (kind === ENVELOPE.FETCH) {
        const n = Math.min(count, 5);
        for (let k = 0; k < n; k++) this._flight({ kind: "fetch", group: who, member, i, offset: offset + k, t0: wall + k * 50 });
      } else if (kind === ENVELOPE.LOST) {
        const n = Math.min(count, 6);
        for (let k = 0; k < n; k++) this._flight({ kind: "lost", group: who, i, offset: offset + k, t0: wall + k * 60 });
      } else if (kind === ENVELOPE.OUTPUT) {
        this._flight({ kind: "output", group: who, member, i, offset, t0: wall });
      }
    });
  }

  /** Flights in the air at once: fewer when the clock runs fast (they blur into noise anyway). */
  _maxFlights() {
    return this.controller.speed >= 5 ? MAX_FLIGHTS_FAST : MAX_FLIGHTS;
  }

  _flight(fl) {
    if (this.flights.length >= this._maxFlights()) return; // at high speed, drawing every one is noise
    fl.dur = FLIGHT_MS / Math.min(2, Math.max(1, Math.log10(this.controller.speed + 1) + 0.7));
    this.flights.push(fl);
    if (fl.kind === "append" || fl.kind === "output") {
      if (!this.hidden.has(fl.i)) this.hidden.set(fl.i, new Set());
      this.hidden.get(fl.i).add(fl.offset);
    }
  }

  // ---- layout ----------------------------------------------------------------------------

  /** Computes where everything goes for this frame, in CSS pixels. */
  layout(f) {
    const key = `${this.W}|${this.H}|${f.layoutVersion}|${f.total}|${f.totalMembers}`;
    if (this.geom && this._geomKey === key && this._geomFrame === f) return this.geom;
    this._geomKey = key;
    this._geomFrame = f;
    this._static = null;
    const W = this.W, H = this.H;
    const L = f.layout;
    const pad = 10;
    const heat = isHeat(f);
    const narrow = W < 560;
    const pw = narrow ? clamp(W * 0.18, 64, 110) : clamp(W * 0.13, 92, 150);
    // with brokers, their cards take a band over the shelves (brokers.js)
    const band = isHeat(f) ? 0 : brokers.bandHeight(f);
    const top = pad + 20 + band;
    const trayH = 26;
    if (heat) return this._heatLayout(f, { W, H, pad, pw, top, narrow, trayH });
    const cw = narrow ? clamp(W * 0.27, 96, 150) : clamp(W * 0.19, 128, 210);
    // Share groups get a lane of their own under the shelves (sharelane.js).
    const lanes = shareLane.laneHeight(f, H);
    const bottom = H - pad - trayH - 4 - lanes;
    const midX0 = pad + pw + (narrow ? 18 : 34);
    const midX1 = W - pad - cw - (narrow ? 24 : 52);

    // Rows: a header row per topic, then one per partition.
    const rows = [];
    L.topics.forEach((t, ti) => {
      if (L.topics.length > 1) rows.push({ header: true, topic: ti });
      for (let p = 0; p < t.partitions; p++) rows.push({ topic: ti, partition: p, i: t.base + p, key: `${ti}:${p}`, label: `P${p}` });
    });
    const rh = Math.min(58, (bottom - top) / Math.max(1, rows.length));
    const rowOf = new Map();
    rows.forEach((r, k) => {
      r.y = top + k * rh;
      r.h = rh;
      if (!r.header) rowOf.set(r.i, r);
    });
    const labelW = narrow ? 26 : 34;
    const leoW = narrow ? 30 : 40;
    const pipsW = brokers.pipsWidth(f); // each partition's replica pips sit between shelf and log end
    const shelf = { x0: midX0 + labelW, x1: midX1 - leoW - pipsW };
    const leoX = shelf.x1 + pipsW + 8;
    const detailed = rh >= ENVELOPE_MIN_ROW_PX;
    const ew = clamp(rh * 0.62, 12, 30);
    const slot = ew + 3;
    const producers = this._producerBoxes(L.producers.length, pad, pw, top, bottom);

    // Groups, stacked in the right column; each gets a header and its member boxes.
    // A consumer-protocol group's header has a third line (its epochs); share groups follow.
    const groups = [];
    const headerOf = (gi) => (f.isKip848(gi) ? 52 : 40);
    let headers = 0;
    L.groups.forEach((_, gi) => { headers += headerOf(gi) + 8; });
    headers += f.shareGroupsL.length * (40 + 8);
    const colBottom = H - pad - trayH - 4;
    const avail = colBottom - top - headers;
    const bh = clamp(avail / Math.max(1, f.totalMembers + f.totalShareMembers) - 6, 22, 66);
    let y = top;
    const column = (names, headerH) => {
      const gy = y;
      y += headerH;
      const members = names.map(() => {
        const r = { x: W - pad - cw, y, w: cw, h: bh };
        y += bh + 6;
        return r;
      });
      const box = { x: W - pad - cw, y: gy, w: cw, h: headerH - 4, members };
      y += 8;
      return box;
    };
    L.groups.forEach((g, gi) => groups.push(column(g.members, headerOf(gi))));
    const shareGroups = f.shareGroupsL.map((g) => column(g.members, 40));

    const tray = { x: midX0, y: H - pad - trayH, w: midX1 - midX0, h: trayH };
    this.geom = { mode: "rows", W, H, pad, rows, rowOf, rh, shelf, leoX, detailed, ew, slot, producers, groups, shareGroups, tray, midX0, midX1, labelW, narrow };
    if (band) this.geom.brokerBand = brokers.bandLayout(f, midX0, midX1, pad + 20);
    this.geom.lanes = shareLane.laneLayout(f, { x0: midX0, x1: midX1, y0: bottom + 4, h: lanes, H });
    return this.geom;
  }

  _producerBoxes(n, pad, pw, top, bottom) {
    const out = [];
    const h = clamp((bottom - top) / Math.max(1, n) - 10, 14, 70);
    for (let i = 0; i < n; i++) {
      const y = top + ((bottom - top) / n) * (i + 0.5) - h / 2;
      out.push({ x: pad, y, w: pw, h });
    }
    return out;
  }

  _heatLayout(f, { W, H, pad, pw, top, narrow, trayH }) {
    const L = f.layout;
    const brokerLine = brokers.active(f) ? 14 : 0; // a line of broker states over the detail box
    const bottom = H - pad - DETAIL_H - trayH - 8 - brokerLine;
    const x0 = pad + pw + 16;
    const nG = Math.max(1, L.groups.length);
    const gap = 14;
    const colW = (W - pad - x0 - gap * (nG - 1)) / nG;
    const groups = L.groups.map((g, gi) => {
      const x = x0 + gi * (colW + gap);
      const n = f.subscribed[gi].length;
      const members = g.members.length;
      // members get up to a third of the column's height, in square tiles
      const headerH = 34;
      const mAvail = Math.max(24, (bottom - top - headerH) * 0.3);
      const mTile = clamp(Math.floor(Math.sqrt((colW * mAvail) / Math.max(1, members))), 5, 26);
      const mCols = Math.max(1, Math.floor(colW / mTile));
      const mRows = Math.ceil(members / mCols);
      const mH = mRows * mTile;
      const hy = top + headerH;
      const hH = bottom - hy - mH - 10;
      // partition cells: as square as the box allows
      let cols = Math.max(1, Math.ceil(Math.sqrt((n * colW) / Math.max(1, hH))));
      let cell = Math.min(colW / cols, hH / Math.ceil(n / cols));
      if (cell < 2) { cols = Math.max(1, Math.floor(colW / 2)); cell = Math.min(colW / cols, hH / Math.ceil(n / cols)); }
      return { x, y: top, w: colW, headerH, hx: x, hy, cols, cell, n, mx: x, my: bottom - mH, mTile, mCols, members: [] };
    });
    const producers = this._producerBoxes(L.producers.length, pad, pw, top, bottom);
    const detail = { x: pad, y: bottom + 6 + brokerLine, w: W - 2 * pad, h: DETAIL_H };
    const tray = { x: x0, y: H - pad - trayH, w: W - pad - x0, h: trayH };
    this.geom = { mode: "heat", W, H, pad, groups, producers, detail, tray, midX0: x0, midX1: W - pad, narrow, rowOf: new Map() };
    return this.geom;
  }

  /** Leftmost offset shown on partition i's shelf (the shelf is a conveyor once full). */
  _lo(f, i) {
    const g = this.geom;
    const n = Math.max(1, Math.floor((g.shelf.x1 - g.shelf.x0) / g.slot));
    return Math.max(f.logStart(i), f.logEnd(i) - n);
  }

  /** Centre of the slot of `offset` on global partition i, clamped to the shelf. */
  slotPoint(i, offset) {
    const g = this.geom;
    const f = this.controller.frame;
    const row = g?.rowOf.get(i);
    if (!row || !f || g.mode !== "rows") return null;
    const lo = this._lo(f, i);
    const x = g.shelf.x0 + (offset - lo) * g.slot + g.ew / 2;
    return { x: clamp(x, g.shelf.x0, g.shelf.x1), y: row.y + row.h / 2 };
  }

  // ---- drawing ---------------------------------------------------------------------------

  draw() {
    this.resize();
    const f = this.controller.frame;
    const ctx = this.ctx;
    const th = this.theme;
    const wall = performance.now();
    const dtWall = wall - this.lastWall;
    this.lastWall = wall;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    this._font = ""; // a resized canvas forgets its font
    this.hits = [];
    this._names.length = 0;
    this._beginLabels();
    if (!f) {
      ctx.fillStyle = th.bg;
      ctx.fillRect(0, 0, this.W, this.H);
      return null;
    }
    // Widgets share one wasm memory: another widget's model may have grown it since this frame's
    // views were made (a grown memory detaches every view over the old buffer).
    if (f.partitions.buffer !== f.wasm.memory.buffer) f.sync();
    const g = this.layout(f);
    // Record tails: every drawn shelf in detail, else only the focused partition.
    const fp = this.focus?.partition;
    const want0 = g.mode === "rows" && g.detailed ? 0 : fp !== undefined ? fp : 0;
    const want1 = g.mode === "rows" && g.detailed ? f.total : fp !== undefined ? fp + 1 : 0;
    const had = this.controller.tailRange;
    if (had[0] !== want0 || had[1] !== want1) {
      this.controller.tailRange = [want0, want1];
      this.controller.refresh(); // paused: the tails asked for now are filled now
    }
    this._sample(f);
    this._drawStatic(f, g);
    this._producers(f);
    if (g.mode === "rows") {
      this._shelves(f, dtWall);
      if (brokers.active(f)) {
        brokers.draw(this, f, wall);
        this.receipts.draw(this, f, wall, !this.reducedMotion && !this.controller.task);
      }
      this._remapLinks(f);
      this._ownership(f, wall);
      this._groups(f, wall);
      shareLane.draw(this, f, wall);
      this._downtime(f);
      this._tray(f);
      this._flights(f, wall);
      this._marks(f, wall);
      this._flashes(wall);
      this._remapTexts();
      this._focusCard(f);
    } else {
      this._heat(f, wall);
      this._detail(f);
      brokers.drawCompact(this, f);
      shareLane.drawAggregate(this, f);
      this._tray(f);
    }
    return g;
  }

  // ---- text: cached fonts, widths and shortened strings ------------------------------------

  _setFont(size, weight = "") {
    const k = size * 4 + (weight === "700" ? 2 : weight === "600" ? 1 : 0);
    let spec = this._fontStr.get(k);
    if (!spec) { spec = `${weight} ${size}px system-ui, -apple-system, "Segoe UI", sans-serif`; this._fontStr.set(k, spec); }
    if (this._font !== spec) { this.ctx.font = spec; this._font = spec; }
    this._fontPx = size;
    return spec;
  }

  /** Width of `s` in the current font (cached: measureText is slow and labels repeat). */
  _width(s) {
    let m = this._widths.get(this._font);
    if (!m) { m = new Map(); this._widths.set(this._font, m); }
    let w = m.get(s);
    if (w === undefined) {
      // Digits are equally wide in the UI fonts: "working on P3@1207" is measured as "…P0@0000",
      // so counters that change every frame hit the cache instead of measuring again.
      const k = s.replace(DIGITS, "0");
      w = m.get(k);
      if (w === undefined) {
        if (m.size > 2000) m.clear();
        w = this.ctx.measureText(k).width;
        m.set(k, w);
      }
    }
    return w;
  }

  /**
   * `s` shortened to fit `max` px in the current font: a name like "consumer-12" becomes "c12"
   * before anything is cut (the legend, the consumer list and the tooltip keep the full name);
   * other text loses its end to "…".
   */
  _fit(s, max) {
    if (s.length * this._fontPx * 0.8 <= max || this._width(s) <= max) return s;
    const k = `${this._font}\u0000${Math.round(max)}\u0000${s}`;
    let t = this._fits.get(k);
    if (t !== undefined) return t;
    if (this._fits.size > 2000) this._fits.clear();
    t = shortName(s);
    if (t === s || this._width(t) > max) {
      t = s;
      while (t.length > 1 && this._width(t) > max) t = t.slice(0, -2) + "…";
    }
    this._fits.set(k, t);
    return t;
  }

  _text(s, x, y, { size = 12, color = this.theme.ink, align = "left", weight = "", base = "middle", max } = {}) {
    const ctx = this.ctx;
    this._setFont(size, weight);
    ctx.fillStyle = color;
    ctx.textAlign = align;
    ctx.textBaseline = base;
    const t = max !== undefined ? this._fit(String(s), max) : String(s);
    ctx.fillText(t, x, y);
    return t;
  }

  _round(x, y, w, h, r) {
    const ctx = this.ctx;
    ctx.beginPath();
    ctx.roundRect(x, y, w, h, r);
  }

  // ---- labels: collision-aware placement -----------------------------------------------------

  _beginLabels() {
    for (const l of this.labels) this._labelPool.push(l);
    this.labels.length = 0;
  }

  /** Records a label rect that is drawn where it is (shelf labels, log-end numbers). */
  _reserve(kind, text, x, y, w, h) {
    const l = this._labelPool.pop() ?? {};
    l.kind = kind; l.text = text; l.x = x; l.y = y; l.w = w; l.h = h;
    this.labels.push(l);
    return l;
  }

  _hitLabel(x, y, w, h) {
    for (const l of this.labels) if (x < l.x + l.w && x + w > l.x && y < l.y + l.h && y + h > l.y) return l;
    return null;
  }

  /**
   * Places a label of w × h wanted at (x, y) (top-left) where no placed label is: slides it left
   * past whatever it meets (not beyond minX), then tries one line below and one above; returns the
   * placed rect, or null (the label is skipped this frame rather than drawn over another).
   */
  _place(kind, text, x, y, w, h, minX = 0) {
    for (const dy of [0, h + 2, -(h + 2)]) {
      let px = x;
      for (let k = 0; k < 8 && px >= minX; k++) {
        const hit = this._hitLabel(px, y + dy, w, h);
        if (!hit) return this._reserve(kind, text, px, y + dy, w, h);
        px = hit.x - w - 3;
      }
    }
    return null;
  }

  // ---- the static layer ------------------------------------------------------------------------

  /**
   * Background, titles and shelf bands: drawn into an offscreen canvas when the size, the layout
   * or the theme changes, then copied in one call per frame.
   */
  _drawStatic(f, g) {
    const cw = this.canvas.width, ch = this.canvas.height;
    const key = `${cw}x${ch}|${this.dpr}|${this._geomKey}|${this.themeName}`;
    if (!this._static || this._static.key !== key || this._static.geom !== g) {
      const c = this._static?.canvas && this._static.canvas.width === cw && this._static.canvas.height === ch ? this._static.canvas : makeCanvas(cw, ch);
      const main = this.ctx, mainFont = this._font;
      this.ctx = c.getContext("2d");
      this._font = "";
      this.ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
      this.ctx.fillStyle = this.theme.bg;
      this.ctx.fillRect(0, 0, this.W, this.H);
      this._titles(f);
      this._producers(f, true);
      if (g.mode === "rows") this._bands(f);
      this.ctx = main;
      this._font = mainFont;
      this._static = { key, canvas: c, geom: g };
    }
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this._static.canvas, 0, 0);
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
  }

  _bands(f) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    for (const row of g.rows) {
      if (row.header) {
        this._text(f.layout.topics[row.topic].name, g.midX0, row.y + row.h / 2, { size: 11, color: th.muted, weight: "600" });
        continue;
      }
      const cy = row.y + row.h / 2;
      const bandH = Math.max(4, row.h - (g.detailed ? 6 : 2));
      ctx.fillStyle = th.shelf;
      ctx.fillRect(g.shelf.x0 - 4, cy - bandH / 2, g.shelf.x1 - g.shelf.x0 + 8, bandH);
      ctx.fillStyle = th.shelfEdge;
      ctx.fillRect(g.shelf.x0 - 4, cy + bandH / 2 - 1, g.shelf.x1 - g.shelf.x0 + 8, 1);
    }
    // the partitions' names (redrawn per frame only over a rebalance pill)
    const pSize = Math.round(clamp(g.rh * 0.45, 8, 13) * 2) / 2;
    const every = g.detailed ? 1 : Math.ceil(10 / Math.max(1, g.rh));
    for (const row of g.rows) {
      if (row.header || row.partition % every) continue;
      this._text(row.label, g.midX0, row.y + row.h / 2, { size: pSize, weight: "600" });
    }
  }

  _titles(f) {
    const g = this.geom;
    const th = this.theme;
    const L = f.layout;
    this._text(g.narrow ? "producers" : "PRODUCERS", g.pad, g.pad + 8, { size: 11, color: th.muted, weight: "600" });
    const t0 = L.topics[0];
    if (!t0) return;
    if (g.mode === "heat") {
      const what = L.topics.length > 1 ? `${L.topics.length} TOPICS · ${f.total} partitions` : `TOPIC ${t0.name} · ${t0.partitions} partitions`;
      this._text(`${what} · ${L.groups.length} group${L.groups.length === 1 ? "" : "s"} · ${f.totalMembers} consumers — a cell per partition (colour: owner, dark fill: lag); click or ↑/↓ to focus`, g.midX0, g.pad + 8, { size: 11, color: th.muted, weight: "600", max: g.midX1 - g.midX0 });
      return;
    }
    const name = L.topics.length > 1 ? (g.narrow ? "topics" : "TOPICS") : g.narrow ? `${t0.name} · ${t0.partitions}` : `TOPIC ${t0.name} · ${t0.partitions} partitions`;
    this._text(name, g.midX0, g.pad + 8, { size: 11, color: th.muted, weight: "600", max: g.midX1 - g.midX0 });
    if (L.groups.length) this._text(g.narrow ? (L.groups.length > 1 ? "groups" : "group") : "CONSUMER GROUP" + (L.groups.length > 1 ? "S" : ""), g.groups[0].x, g.pad + 8, { size: 11, color: th.muted, weight: "600", max: g.W - g.pad - g.groups[0].x });
  }

  /**
   * Producer boxes. `still` (the static layer) draws the boxes, names and keys of tall boxes;
   * per frame only the changing numbers and the sticky partition's line are drawn.
   */
  _producers(f, still = false) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    const K = f.K;
    const P = f.layout.producers;
    for (let i = 0; i < P.length; i++) {
      const p = P[i];
      const r = g.producers[i];
      const tall = r.h >= 30;
      if (still || !tall) {
        this._round(r.x, r.y, r.w, r.h, r.h > 24 ? 8 : 3);
        ctx.fillStyle = th.panel;
        ctx.fill();
        ctx.strokeStyle = th.shelfEdge;
        ctx.lineWidth = 1;
        ctx.stroke();
      }
      if (still) {
        if (!tall) continue;
        // a name: a smaller font before anything is cut
        let size = 12;
        for (; size > 9; size--) { this._setFont(size, "600"); if (this._width(p.id) <= r.w - 14) break; }
        this._text(p.id, r.x + 8, r.y + 13, { size, weight: "600", max: r.w - 14 });
        this._text(p.key_prefix ? `key: ${p.key_prefix}-*` : "no key", r.x + 8, r.y + 28, { size: 11, color: th.muted, max: r.w - 14 });
        continue;
      }
      const rate = f.producer(i, K.PR_RATE), produced = f.producer(i, K.PR_PRODUCED);
      if (!tall) {
        this._text(`${p.id} · ${fmtRate(rate)}/s`, r.x + 6, r.y + r.h / 2, { size: Math.round(clamp(r.h * 0.6, 8, 11) * 2) / 2, weight: "600", max: r.w - 10 });
      } else if (r.h > 48) {
        this._text(`${fmtRate(rate)}/s · ${produced} sent`, r.x + 8, r.y + 43, { size: 11, color: th.muted, max: r.w - 14 });
      }
      // Unkeyed producers stick to one partition per batch (KIP-794): point at it.
      const sticky = f.producer(i, K.PR_STICKY);
      if (sticky >= 0 && g.mode === "rows") {
        const row = g.rowOf.get(f.index(p.topic, sticky));
        if (row) {
          ctx.strokeStyle = th.faint;
          ctx.setLineDash(DASH33);
          ctx.beginPath();
          ctx.moveTo(r.x + r.w, r.y + r.h / 2);
          ctx.lineTo(g.midX0 - 2, row.y + row.h / 2);
          ctx.stroke();
          ctx.setLineDash(NO_DASH);
        }
      }
    }
  }

  /** Groups subscribed to partition i, with their numbers there. */
  _groupsHere(f, i) {
    const K = f.K;
    const out = [];
    for (let gi = 0; gi < f.layout.groups.length; gi++) {
      if (!(f.gp(gi, i, K.GP_SUBSCRIBED) > 0)) continue;
      const c = f.gp(gi, i, K.GP_COMMITTED), pos = f.gp(gi, i, K.GP_POSITION), o = f.gp(gi, i, K.GP_OWNER);
      out.push({ gi, committed: c >= 0 ? c : null, position: pos >= 0 ? pos : null, owner: o >= 0 ? o : null, lag: f.gp(gi, i, K.GP_LAG) });
    }
    return out;
  }

  /** The first group subscribed to partition i (its positions give the envelopes' status), or -1. */
  _firstGroup(f, i) {
    const K = f.K;
    for (let gi = 0; gi < f.layout.groups.length; gi++) if (f.gp(gi, i, K.GP_SUBSCRIBED) > 0) return gi;
    return -1;
  }

  /** The first share group reading partition i (its record states give the envelopes' status), or -1. */
  _firstShareGroup(f, i) {
    for (let s = 0; s < f.shareGroupsL.length; s++) if (f.sp(s, i, f.K.SP_SUBSCRIBED) > 0) return s;
    return -1;
  }

  /** Displayed (smoothed) committed offsets, per group × partition; NaN = not shown yet. */
  _shownArr(f) {
    const n = f.layout.groups.length * f.total;
    if (!this._shown || this._shown.length !== n) { this._shown = new Float64Array(n); this._shown.fill(NaN); }
    return this._shown;
  }

  _shelves(f, dtWall) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    const K = f.K;
    const nG = f.layout.groups.length;
    let maxLeo = 1;
    if (!g.detailed) for (let i = 0; i < f.total; i++) maxLeo = Math.max(maxLeo, f.logEnd(i));
    if (g.detailed) this._envReset();
    for (const row of g.rows) {
      if (row.header) continue;
      const i = row.i;
      const cy = row.y + row.h / 2;
      this._labelMark(f, row, cy);
      if (this.focus?.partition === i) {
        const bandH = Math.max(4, row.h - (g.detailed ? 6 : 2));
        ctx.strokeStyle = th.ink;
        ctx.lineWidth = 2;
        ctx.strokeRect(g.shelf.x0 - 6, cy - bandH / 2 - 2, g.shelf.x1 - g.shelf.x0 + 12, bandH + 4);
        ctx.lineWidth = 1;
      }
      const gi0 = this._firstGroup(f, i);
      if (g.detailed) this._collect(f, row, this._lo(f, i), gi0, gi0 < 0 ? this._firstShareGroup(f, i) : -1);
      else this._bar(f, row, f.logEnd(i), maxLeo, gi0);
    }
    if (g.detailed) this._drawEnvelopes();
    // committed markers (one per group, smoothed so a commit slides rather than jumps), log ends;
    // one path per group colour
    const shownArr = this._shownArr(f);
    const behind = this._behind ?? (this._behind = []);
    behind.length = 0;
    for (let gi = 0; gi < nG; gi++) {
      ctx.beginPath();
      let any = false;
      for (const row of g.rows) {
        if (row.header) continue;
        const i = row.i;
        if (!(f.gp(gi, i, K.GP_SUBSCRIBED) > 0)) continue;
        const committed = f.gp(gi, i, K.GP_COMMITTED);
        if (committed < 0) continue;
        const cy = row.y + row.h / 2;
        const bandH = Math.max(4, row.h - (g.detailed ? 6 : 2));
        const lo = g.detailed ? this._lo(f, i) : 0;
        const id = gi * f.total + i;
        let shown = shownArr[id];
        shown = Number.isNaN(shown) || this.reducedMotion ? committed : lerp(shown, committed, Math.min(1, dtWall / 120));
        if (Math.abs(shown - committed) < 0.01) shown = committed;
        shownArr[id] = shown;
        const x = g.detailed ? g.shelf.x0 + (shown - lo) * g.slot - 1.5 : g.shelf.x0 + (g.shelf.x1 - g.shelf.x0) * (shown / maxLeo);
        const xc = clamp(x, g.shelf.x0 - 3, g.shelf.x1 + 2);
        ctx.rect(xc - 1, cy - bandH / 2, 2, bandH);
        if (g.detailed) {
          const fy = cy + bandH / 2 - 1;
          ctx.moveTo(xc, fy - 6);
          ctx.lineTo(xc - 5, fy + 1);
          ctx.lineTo(xc + 5, fy + 1);
          ctx.closePath();
          if (x < g.shelf.x0 - 3) behind.push(gi, i, committed, cy - bandH / 2 + 6);
        }
        any = true;
      }
      if (any) { ctx.fillStyle = groupColor(gi, th); ctx.fill(); }
    }
    ctx.beginPath();
    for (const row of g.rows) {
      if (row.header) continue;
      const i = row.i;
      const cy = row.y + row.h / 2;
      const bandH = Math.max(4, row.h - (g.detailed ? 6 : 2));
      const leo = f.logEnd(i);
      const leoX = g.detailed ? Math.min(g.shelf.x1, g.shelf.x0 + (leo - this._lo(f, i)) * g.slot) : g.shelf.x1;
      ctx.rect(leoX, cy - bandH / 2, 1.5, bandH);
    }
    ctx.fillStyle = th.ink;
    ctx.fill();
    // labels: the partition's name, its log-end offset and lag (reserved: drawn where they are)
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    const pSize = Math.round(clamp(g.rh * 0.45, 8, 13) * 2) / 2;
    this._setFont(pSize, "600");
    ctx.fillStyle = th.ink;
    const every = g.detailed ? 1 : Math.ceil(10 / Math.max(1, g.rh));
    for (const row of g.rows) {
      if (row.header || row.partition % every) continue;
      const cy = row.y + row.h / 2;
      if (row.pill) ctx.fillText(row.label, g.midX0, cy); // the static layer's label is under the pill
      this._reserve("partition", row.label, g.midX0, cy - pSize / 2 - 1, this._width(row.label), pSize + 2);
    }
    if (g.rh >= 11) {
      const size = Math.round(clamp(g.rh * 0.36, 8, 12) * 2) / 2;
      const two = g.detailed && g.rh > 30;
      this._setFont(size, "600");
      for (const row of g.rows) {
        if (row.header) continue;
        const leo = f.logEnd(row.i);
        if (row.leoN !== leo) { row.leoN = leo; row.leoS = String(leo); }
        const y = row.y + row.h / 2 - (two ? 6 : 0);
        ctx.fillText(row.leoS, g.leoX, y);
        this._reserve("leo", row.leoS, g.leoX, y - size / 2 - 1, this._width(row.leoS), size + 2);
      }
      if (two) {
        this._setFont(9, "");
        ctx.fillStyle = th.muted;
        const max = g.midX1 - g.leoX + 48;
        for (const row of g.rows) {
          if (row.header) continue;
          const gi0 = this._firstGroup(f, row.i);
          const lag = gi0 >= 0 ? f.gp(gi0, row.i, K.GP_LAG) : -1;
          if (row.lagN !== lag) { row.lagN = lag; row.lagS = lag >= 0 ? `LEO · lag ${lag}` : "LEO"; }
          const t = this._fit(row.lagS, max);
          const y = row.y + row.h / 2 + 8;
          ctx.fillText(t, g.leoX, y);
          this._reserve("lag", t, g.leoX, y - 5.5, this._width(t), 11);
        }
      }
    }
    // a committed offset left of the shelf's first slot: "◀12" where there is room
    for (let k = 0; k < behind.length; k += 4) {
      const s = `◀${behind[k + 2]}`;
      this._setFont(9, "");
      const w = this._width(s);
      const r = this._place("committed", s, g.shelf.x0 - 2, behind[k + 3] - 5.5, w, 11, g.shelf.x0 - 4);
      if (r) this._text(s, r.x, r.y + 5.5, { size: 9, color: groupColor(behind[k], th) });
    }
  }

  /** Resets the envelope buffers for this frame (grown, never shrunk). */
  _envReset() {
    if (!this._env) this._env = growEnv(null, 2048);
    this._env.n = 0;
  }

  /** Collects the envelopes of one shelf into the frame's buffers (drawn in batches below). */
  _collect(f, row, lo, gi0, share = -1) {
    const g = this.geom;
    const K = f.K;
    const i = row.i;
    const hid = this.hidden.get(i);
    const checkHid = !!hid && hid.size > 0;
    const eh = Math.min(row.h - 12, g.ew * 0.72);
    const cy = row.y + row.h / 2;
    const committed = gi0 >= 0 ? Math.max(0, f.gp(gi0, i, K.GP_COMMITTED)) : 0;
    const position = gi0 >= 0 ? f.gp(gi0, i, K.GP_POSITION) : -1;
    const procEnd = gi0 >= 0 ? f.gp(gi0, i, K.GP_PROCESSED_END) : -1;
    const leo = f.logEnd(i);
    let E = this._env;
    if (E.n + (leo - lo) > E.cap) E = this._env = growEnv(E, E.n + (leo - lo) + 256);
    E.eh = eh;
    for (let o = lo; o < leo; o++) {
      if (checkHid && hid.has(o)) continue;
      const key = f.keyAt(i, o);
      const st = share >= 0 ? shareLane.shelfStatus(f, share, i, o) : o < committed ? ST_COMMITTED : o < procEnd ? ST_PROCESSED : o < position ? ST_FETCHED : ST_UNREAD;
      const k = E.n++;
      E.x[k] = g.shelf.x0 + (o - lo) * g.slot;
      E.y[k] = cy - eh / 2 - (st === ST_PROCESSED ? 3 : st === ST_FETCHED ? 2 : 0);
      E.col[k] = key === undefined ? COL_FAINT : key === null ? COL_NOKEY : keyHue(key);
      E.st[k] = st;
      E.txn[k] = f.kindAt(i, o);
      E.o[k] = o;
      E.i[k] = i;
    }
  }

  _colorOf(c) {
    return c === COL_FAINT ? this.theme.faint : c === COL_NOKEY ? this.theme.noKey : this.keyHues[c];
  }

  /**
   * Draws the collected envelopes: fills batched by colour (a canvas re-parses each colour it is
   * given), then one outline path per status. Unread: full colour, closed flap. Fetched (in the
   * consumer's batch): lifted 2 px. Processed but not committed: lifted, an amber frame and a ✓
   * instead of the flap (a crash now means these are processed again). Committed: faded.
   */
  _drawEnvelopes() {
    const E = this._env;
    const n = E.n;
    if (!n) return;
    const ctx = this.ctx;
    const th = this.theme;
    const ew = this.geom.ew, eh = E.eh;
    const NB = 2 * COLORS_N;
    const counts = E.counts;
    counts.fill(0);
    let special = 0;
    for (let k = 0; k < n; k++) {
      if (E.txn[k]) { special++; continue; }
      counts[(E.st[k] === ST_COMMITTED ? COLORS_N : 0) + E.col[k]]++;
    }
    let acc = 0;
    for (let b = 0; b < NB; b++) { const c = counts[b]; counts[b] = acc; acc += c; }
    const order = E.order;
    for (let k = 0; k < n; k++) {
      if (E.txn[k]) continue;
      order[counts[(E.st[k] === ST_COMMITTED ? COLORS_N : 0) + E.col[k]]++] = k;
    }
    let cur = -1;
    ctx.globalAlpha = 1;
    for (let j = 0; j < acc; j++) {
      const k = order[j];
      const b = (E.st[k] === ST_COMMITTED ? COLORS_N : 0) + E.col[k];
      if (b !== cur) {
        if (cur < COLORS_N && b >= COLORS_N) ctx.globalAlpha = FADED;
        ctx.fillStyle = this._colorOf(E.col[k]);
        cur = b;
      }
      ctx.fillRect(E.x[k], E.y[k], ew, eh);
    }
    ctx.globalAlpha = 1;
    // outlines and flaps: unread and fetched, then committed (faded)
    ctx.lineWidth = 1;
    ctx.strokeStyle = "rgba(0,0,0,0.33)";
    for (const faded of [false, true]) {
      ctx.beginPath();
      let any = false;
      for (let k = 0; k < n; k++) {
        const st = E.st[k];
        if (E.txn[k] || st === ST_PROCESSED || (st === ST_COMMITTED) !== faded) continue;
        const x = E.x[k], y = E.y[k];
        ctx.rect(x + 0.5, y + 0.5, ew - 1, eh - 1);
        ctx.moveTo(x + 1, y + 1);
        ctx.lineTo(x + ew / 2, y + eh * 0.55);
        ctx.lineTo(x + ew - 1, y + 1);
        any = true;
      }
      if (!any) continue;
      ctx.globalAlpha = faded ? FADED : 1;
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
    // processed, not committed: amber frame and a check mark
    let anyP = false;
    ctx.beginPath();
    for (let k = 0; k < n; k++) {
      if (E.st[k] !== ST_PROCESSED || E.txn[k] === 4) continue;
      ctx.rect(E.x[k] - 0.5, E.y[k] - 0.5, ew + 1, eh + 1);
      anyP = true;
    }
    if (anyP) {
      ctx.strokeStyle = th.dup;
      ctx.lineWidth = 2;
      ctx.stroke();
      ctx.beginPath();
      for (let k = 0; k < n; k++) {
        if (E.st[k] !== ST_PROCESSED || E.txn[k] === 4) continue;
        const x = E.x[k], y = E.y[k];
        ctx.moveTo(x + ew * 0.24, y + eh * 0.52);
        ctx.lineTo(x + ew * 0.44, y + eh * 0.8);
        ctx.lineTo(x + ew * 0.78, y + eh * 0.2);
      }
      ctx.strokeStyle = "rgba(0,0,0,0.75)";
      ctx.lineWidth = 1.6;
      ctx.stroke();
      ctx.lineWidth = 1;
    }
    // transactional records and markers (exactly-once scenes: few)
    if (special) {
      for (let k = 0; k < n; k++) {
        const txn = E.txn[k];
        if (!txn) continue;
        if (txn === 4) {
          ctx.fillStyle = th.muted; // a transaction marker: a thin post, not a record
          ctx.fillRect(E.x[k] + ew / 2 - 1, E.y[k], 2, eh);
          continue;
        }
        ctx.globalAlpha = E.st[k] === ST_COMMITTED ? FADED : 1;
        this._envelope(E.x[k], E.y[k], ew, eh, this._colorOf(E.col[k]), txn);
        ctx.globalAlpha = 1;
        if (E.st[k] === ST_PROCESSED) { ctx.strokeStyle = th.dup; ctx.lineWidth = 2; ctx.strokeRect(E.x[k] - 0.5, E.y[k] - 0.5, ew + 1, eh + 1); ctx.lineWidth = 1; }
      }
    }
    // offsets under the envelopes when they are large
    if (ew >= 20 && this.geom.rh >= 30) {
      this._setFont(9, "");
      ctx.fillStyle = th.muted;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      for (let k = 0; k < n; k++) {
        const row = this.geom.rowOf.get(E.i[k]);
        ctx.fillText(String(E.o[k]), E.x[k] + ew / 2, row.y + row.h / 2 + eh / 2 + 6);
      }
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
      // aborted: struck through in red over a light halo, so it shows on a red envelope too
      ctx.beginPath();
      ctx.moveTo(x - 1, y + h + 1);
      ctx.lineTo(x + w + 1, y - 1);
      ctx.strokeStyle = th.panel;
      ctx.lineWidth = 4.5;
      ctx.stroke();
      ctx.strokeStyle = th.txnAbort;
      ctx.lineWidth = 2;
      ctx.stroke();
      ctx.lineWidth = 1;
    } else if (txn === 2) {
      ctx.fillStyle = th.ok;
      ctx.fillRect(x + w - 5, y + h - 5, 4, 4);
    }
  }

  /** Compact partition: log-end as a bar, committed part shaded in the owner's colour. */
  _bar(f, row, leo, maxLeo, gi0) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    const K = f.K;
    const w = (g.shelf.x1 - g.shelf.x0) * (leo / maxLeo);
    const h = Math.max(2, row.h - 3);
    const y = row.y + (row.h - h) / 2;
    ctx.fillStyle = th.faint;
    ctx.fillRect(g.shelf.x0, y, w, h);
    const c = gi0 >= 0 ? Math.max(0, f.gp(gi0, row.i, K.GP_COMMITTED)) : 0;
    const owner = gi0 >= 0 ? f.gp(gi0, row.i, K.GP_OWNER) : -1;
    ctx.fillStyle = owner < 0 ? th.noKey : this._member(owner);
    ctx.fillRect(g.shelf.x0, y, (g.shelf.x1 - g.shelf.x0) * (c / maxLeo), h);
  }

  _memberAnchor(gi, m) {
    const r = this.geom.groups[gi]?.members[m];
    return r ? { x: r.x, y: r.y + r.h / 2 } : null;
  }

  /**
   * Lines from each partition to its owner; an owner change slides the line's end across. Plain
   * lines are stroked in one path per owner colour; a just-moved line is drawn on its own (bold,
   * beating).
   */
  _ownership(f, wall) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    const K = f.K;
    const many = f.layout.groups.length > 1;
    const x0 = g.midX1 - (g.detailed ? 2 : 0);
    const L = this._lines ?? (this._lines = { n: 0, cap: 0 });
    const need = f.total * f.layout.groups.length;
    if (L.cap < need) Object.assign(L, { cap: need, y0: new Float32Array(need), ex: new Float32Array(need), ey: new Float32Array(need), owner: new Int32Array(need), moved: new Uint8Array(need) });
    L.n = 0;
    let orphans = false;
    for (let gi = 0; gi < f.layout.groups.length; gi++) {
      for (const i of f.subscribed[gi]) {
        const row = g.rowOf.get(i);
        if (!row) continue;
        const id = gi * f.total + i;
        const o = f.gp(gi, i, K.GP_OWNER);
        const owner = o >= 0 ? o : null;
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
        const y0 = row.y + row.h / 2;
        const end = this._lineEnd(a, wall);
        if (!end) {
          orphans = true;
          L.y0[L.n] = y0; L.owner[L.n] = -1; L.moved[L.n] = 0; L.n++;
          continue;
        }
        const mark = this.rebalance?.marks(gi).get(row.key);
        const moved = mark?.kind === "moved" && mark.to === owner;
        if (moved) {
          // drawn now, on its own
          const beat = this._pulse(mark.seq, wall);
          ctx.strokeStyle = this._member(owner);
          ctx.globalAlpha = 1;
          ctx.lineWidth = (g.detailed ? 2 : 1) * (1.8 + beat);
          ctx.beginPath();
          ctx.moveTo(x0, y0);
          const mx = (x0 + end.x) / 2;
          ctx.bezierCurveTo(mx, y0, mx, end.y, end.x, end.y);
          ctx.stroke();
          ctx.lineWidth = 1;
        }
        L.y0[L.n] = y0; L.ex[L.n] = end.x; L.ey[L.n] = end.y; L.owner[L.n] = owner ?? -1; L.moved[L.n] = moved ? 1 : 0; L.n++;
      }
    }
    // plain lines, one path per owner colour
    ctx.globalAlpha = many ? 0.55 : 0.8;
    ctx.lineWidth = g.detailed ? 2 : 1;
    let maxOwner = 0;
    for (let k = 0; k < L.n; k++) if (L.owner[k] + 1 > maxOwner) maxOwner = L.owner[k] + 1;
    for (let m = 0; m < maxOwner; m++) {
      let any = false;
      ctx.beginPath();
      for (let k = 0; k < L.n; k++) {
        if (L.owner[k] !== m || L.moved[k]) continue;
        const y0 = L.y0[k], ex = L.ex[k], ey = L.ey[k];
        const mx = (x0 + ex) / 2;
        ctx.moveTo(x0, y0);
        ctx.bezierCurveTo(mx, y0, mx, ey, ex, ey);
        any = true;
      }
      if (!any) continue;
      ctx.strokeStyle = this._member(m);
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
    ctx.lineWidth = 1;
    // the dots where the lines leave the shelves, one path per colour
    const r = g.detailed ? 3 : 1.5;
    for (let m = 0; m < maxOwner; m++) {
      let any = false;
      ctx.beginPath();
      for (let k = 0; k < L.n; k++) {
        if (L.owner[k] !== m) continue;
        ctx.moveTo(x0 + r, L.y0[k]);
        ctx.arc(x0, L.y0[k], r, 0, Math.PI * 2);
        any = true;
      }
      if (!any) continue;
      ctx.fillStyle = this._member(m);
      ctx.fill();
    }
    // no owner: a short dashed stub and "?"
    if (orphans) {
      ctx.strokeStyle = th.faint;
      ctx.setLineDash([2, 3]);
      ctx.beginPath();
      for (let k = 0; k < L.n; k++) {
        if (L.owner[k] !== -1) continue;
        ctx.moveTo(x0, L.y0[k]);
        ctx.lineTo(x0 + 16, L.y0[k]);
      }
      ctx.stroke();
      ctx.setLineDash(NO_DASH);
      if (g.rh >= 12) for (let k = 0; k < L.n; k++) if (L.owner[k] === -1) this._text("?", x0 + 20, L.y0[k], { size: 10, color: th.muted });
    }
  }

  _lineEnd(a, wall) {
    if (!a.to) return null;
    if (!a.from || !a.t0) return a.to;
    const t = clamp((wall - a.t0) / OWNER_MOVE_MS, 0, 1);
    const e = ease(t);
    return { x: lerp(a.from.x, a.to.x, e), y: lerp(a.from.y, a.to.y, e) };
  }

  /** Per group, per member slot: the partitions it owns ("P3 P5"), from the owner arrays. */
  _assigned(f, gi) {
    const K = f.K;
    const out = f.layout.groups[gi].members.map(() => []);
    for (const i of f.subscribed[gi]) {
      const o = f.gp(gi, i, K.GP_OWNER);
      if (o >= 0 && out[o]) out[o].push(f.partOfIdx[i]);
    }
    return out;
  }

  _groups(f, wall) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    const K = f.K;
    f.layout.groups.forEach((gl, gi) => {
      const gr = g.groups[gi];
      const k848 = f.isKip848(gi);
      const state = f.groupState(gi);
      const word = k848 ? kip848.groupWord(f, gi) : stateWord(state);
      const rebalancing = k848 ? word !== "stable" : state !== "Stable";
      const flash = this.flashes.find((x) => x.kind === "rebalance" && x.group === gi && wall - x.t0 < 1200);
      this._round(gr.x, gr.y, gr.w, gr.h, 6);
      ctx.fillStyle = rebalancing ? (th === THEMES.dark ? "#4a3b12" : "#fff3cd") : th.panel;
      ctx.fill();
      ctx.strokeStyle = flash ? th.dup : groupColor(gi, th);
      ctx.lineWidth = flash ? 2.5 : 1.5;
      ctx.stroke();
      ctx.lineWidth = 1;
      // The name in full when it fits beside the state, else the state moves to the second line.
      this._setFont(11, "600");
      const ww = this._width(word);
      this._setFont(12, "700");
      const idFits = this._width(gl.id) <= gr.w - 20 - ww;
      this._names.push(gl.id, this._text(gl.id, gr.x + 7, gr.y + 10, { size: 12, weight: "700", max: idFits ? gr.w - 20 - ww : gr.w - 14 }));
      const bars = this._downBarsRect(gr);
      let x2 = gr.x + 7;
      if (idFits) this._text(word, gr.x + gr.w - 6, gr.y + 10, { size: 11, color: rebalancing ? th.dup : th.ok, align: "right", weight: "600" });
      else if (!k848) { this._text(word, x2, gr.y + 25, { size: 11, color: rebalancing ? th.dup : th.ok, weight: "600" }); x2 += ww + 6; }
      if (k848) {
        // no generation and no client-side assignor: the protocol and both epochs, full width
        const [long, short] = kip848.headerLines(f, gi);
        const room2 = gr.x + gr.w - 6 - x2;
        this._setFont(10, "");
        this._names.push(long, this._text(this._width(long) <= room2 ? long : short, x2, gr.y + 25, { size: 10, color: th.muted, max: room2 }));
        if (!idFits) this._text(word, gr.x + 7, bars.y + bars.h / 2, { size: 11, color: rebalancing ? th.dup : th.ok, weight: "600", max: bars.x - gr.x - 10 });
        else this._text("downtime", gr.x + 7, bars.y + bars.h / 2, { size: 9, color: th.muted, max: bars.x - gr.x - 10 });
        this.hits.push({ kind: "group", group: gi, x: gr.x, y: gr.y, w: gr.w, h: gr.h });
        const assigned = this._assignedCached(f, gi);
        for (let m = 0; m < gl.members.length; m++) this._memberBox(f, gi, m, gl.members[m], assigned, gr.members[m], wall);
        return;
      }
      const strategy = f.groupStrategy(gi);
      const gen = f.group(gi, K.G_GENERATION);
      const room = bars.x - x2 - 4;
      const full = `generation ${gen}${strategy ? ` · ${strategy}${gl.cooperative ? " (cooperative)" : ""}` : ""}`;
      this._setFont(10, "");
      this._text(this._width(full) <= room ? full : `gen ${gen}${strategy ? ` · ${strategy}` : ""}`, x2, gr.y + 25, { size: 10, color: th.muted, max: room });
      this.hits.push({ kind: "group", group: gi, x: gr.x, y: gr.y, w: gr.w, h: gr.h });
      const assigned = this._assignedCached(f, gi);
      for (let m = 0; m < gl.members.length; m++) this._memberBox(f, gi, m, gl.members[m], assigned, gr.members[m], wall);
    });
  }

  /** Where a group header's downtime bars go: the right part of its second line. */
  _downBarsRect(gr) {
    const w = Math.min(96, gr.w * 0.42);
    // a consumer-protocol header is taller: its bars sit on the third line
    return { x: gr.x + gr.w - 6 - w, y: gr.y + (gr.h > 40 ? 33 : 19), w, h: 12 };
  }

  /**
   * Follows per group and partition how long it had no owner in the latest rebalance episode
   * (GP_DOWNTIME_MS now minus its value when the group was last calm: stable with every partition
   * owned). An episode starts when the group is seen leaving calm, or (after a seek jumped over
   * it) when its downtime rose since the last calm observation.
   */
  _observeDowntime(f) {
    const K = f.K;
    const nG = f.layout.groups.length;
    const n = nG * f.total;
    let d = this._down;
    if (!d || d.n !== n || d.frame !== f) {
      d = this._down = { n, frame: f, calm: new Float64Array(n), episode: new Float64Array(n), started: new Uint8Array(nG), seen: new Uint8Array(nG), wasCalm: new Uint8Array(nG), shown: new Float64Array(n) };
    }
    let maxAll = 0;
    for (let gi = 0; gi < nG; gi++) {
      const parts = f.subscribed[gi];
      let calm = f.groupState(gi) === "Stable";
      let grew = false;
      for (const i of parts) {
        if (f.gp(gi, i, K.GP_OWNER) < 0) calm = false;
        if (f.gp(gi, i, K.GP_DOWNTIME_MS) > d.calm[gi * f.total + i]) grew = true;
      }
      if (!d.seen[gi]) {
        d.seen[gi] = 1;
        if (!calm) { d.started[gi] = 1; for (const i of parts) d.episode[gi * f.total + i] = f.gp(gi, i, K.GP_DOWNTIME_MS); }
        for (const i of parts) d.calm[gi * f.total + i] = f.gp(gi, i, K.GP_DOWNTIME_MS);
        grew = false;
      }
      if ((grew || !calm) && d.wasCalm[gi]) { d.started[gi] = 1; for (const i of parts) d.episode[gi * f.total + i] = d.calm[gi * f.total + i]; }
      if (calm) for (const i of parts) d.calm[gi * f.total + i] = f.gp(gi, i, K.GP_DOWNTIME_MS);
      d.wasCalm[gi] = calm ? 1 : 0;
      for (const i of parts) {
        const id = gi * f.total + i;
        const v = d.started[gi] ? Math.max(0, f.gp(gi, i, K.GP_DOWNTIME_MS) - d.episode[id]) : 0;
        d.shown[id] = v;
        if (v > maxAll) maxAll = v;
      }
    }
    d.max = maxAll;
    return d;
  }

  /**
   * Per group, a small bar per partition in the header: how long it stopped (had no owner) in
   * the latest rebalance, on one scale for every group, so eager (every partition stops) and
   * cooperative (only the movers stop) read side by side.
   */
  _downtime(f) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    const d = this._observeDowntime(f);
    const scale = Math.max(1000, d.max);
    for (let gi = 0; gi < f.layout.groups.length; gi++) {
      const gr = g.groups[gi];
      if (!gr) continue;
      const r = this._downBarsRect(gr);
      const parts = f.subscribed[gi];
      const n = parts.length;
      if (!n) continue;
      const step = r.w / n;
      const bw = Math.max(1, step - (step > 4 ? 1.5 : 0));
      ctx.fillStyle = th.faint;
      ctx.fillRect(r.x, r.y + r.h - 1, r.w, 1);
      ctx.fillStyle = th.dup;
      for (let k = 0; k < n; k++) {
        const v = d.shown[gi * f.total + parts[k]];
        if (v <= 0) continue;
        const h = Math.max(2, (r.h - 1) * Math.min(1, v / scale));
        ctx.fillRect(r.x + k * step, r.y + r.h - 1 - h, bw, h);
      }
    }
  }

  /** Per member slot of group gi, its partitions; recomputed only when an owner changed. */
  _assignedCached(f, gi) {
    const K = f.K;
    let h = 17;
    for (const i of f.subscribed[gi]) h = (Math.imul(h, 31) + f.gp(gi, i, K.GP_OWNER) + 2) | 0;
    const c = (this._assignCache ??= []);
    if (!c[gi] || c[gi].h !== h || c[gi].frame !== f) c[gi] = { h, frame: f, parts: this._assigned(f, gi), texts: [] };
    return c[gi];
  }

  /**
   * A consumer box. The box, name, state badge and partitions are drawn into a small sprite when
   * one of them changes and copied each frame; only the line that changes with every record
   * ("working on P3@120 · 2 waiting") is drawn per frame.
   */
  _memberBox(f, gi, m, name, assigned, r, wall) {
    const th = this.theme;
    const ctx = this.ctx;
    const K = f.K;
    const si = f.member(gi, m, K.M_STATE);
    const idle = si === 1;
    // An idle consumer bobs gently (and dims): it is in the group with nothing to read.
    const bob = idle && !this.reducedMotion ? Math.sin(wall / 500 + m) * 2 : 0;
    const y = r.y + bob;
    const focused = this.focus?.member?.[0] === gi && this.focus.member[1] === m;
    const lead = f.member(gi, m, K.M_LEADER) > 0;
    const sprites = (this._sprites ??= new Map());
    const id = gi * 65536 + m;
    let sp = sprites.get(id);
    const kline = f.isKip848(gi) ? kip848.memberLine(f, gi, m) : null;
    const ktext = kline ? `${kline.state}|${kline.text}` : "";
    if (!sp || sp.si !== si || sp.ktext !== ktext || sp.lead !== lead || sp.focused !== focused || sp.ah !== assigned.h || sp.w !== r.w || sp.h !== r.h || sp.theme !== this.theme || sp.dpr !== this.dpr || sp.name !== name) {
      const pw = Math.ceil((r.w + 8) * this.dpr), ph = Math.ceil((r.h + 8) * this.dpr);
      const canvas = sp?.canvas && sp.canvas.width === pw && sp.canvas.height === ph ? sp.canvas : makeCanvas(pw, ph);
      const main = this.ctx, mainFont = this._font;
      this.ctx = canvas.getContext("2d");
      this._font = "";
      this.ctx.setTransform(1, 0, 0, 1, 0, 0);
      this.ctx.clearRect(0, 0, pw, ph);
      this.ctx.setTransform(this.dpr, 0, 0, this.dpr, (4 - r.x) * this.dpr, (4 - r.y) * this.dpr);
      const out = this._memberBody(f, gi, m, name, assigned.parts[m] ?? [], r, r.y, kline);
      this.ctx = main;
      this._font = mainFont;
      sp = { canvas, si, ktext, lead, focused, ah: assigned.h, w: r.w, h: r.h, theme: this.theme, dpr: this.dpr, name, ...out };
      sprites.set(id, sp);
    }
    ctx.drawImage(sp.canvas, r.x - 4, y - 4, (sp.canvas.width) / this.dpr, (sp.canvas.height) / this.dpr);
    this._names.push(name, sp.drawnName);
    if (sp.work) {
      const pi = f.member(gi, m, K.M_PROC_PARTITION);
      const pending = f.member(gi, m, K.M_PENDING);
      const off = f.member(gi, m, K.M_PROC_OFFSET);
      const processed = pi >= 0 || pending > 0 ? -1 : f.member(gi, m, K.M_PROCESSED);
      // the string is rebuilt only when one of its numbers changed
      if (sp.pi !== pi || sp.off !== off || sp.pending !== pending || sp.processed !== processed) {
        sp.pi = pi; sp.off = off; sp.pending = pending; sp.processed = processed;
        const work = pi >= 0 ? `working on P${f.partOfIdx[pi]}@${off}` : "";
        const pend = pending > 0 ? ` · ${pending} waiting` : "";
        sp.workText = `${work}${pend}` || `${processed} processed`;
      }
      ctx.globalAlpha = sp.alpha;
      this._text(sp.workText, r.x + 10, y + sp.workY, { size: 10, color: th.muted, max: r.w - 16 });
      ctx.globalAlpha = 1;
    }
    this.hits.push({ kind: "consumer", group: gi, member: m, x: r.x, y: r.y, w: r.w, h: r.h });
  }

  /** Draws a consumer box's still parts at (r.x, y); returns {drawnName, work, workY, alpha}. */
  _memberBody(f, gi, m, name, parts, r, y, kline = null) {
    const th = this.theme;
    const ctx = this.ctx;
    const K = f.K;
    const state = f.memberState(gi, m);
    const dead = state === "Crashed" || state === "Left";
    const idle = state === "Idle";
    const col = this._member(m);
    const alpha = dead ? 0.5 : idle ? 0.75 : 1;
    ctx.globalAlpha = alpha;
    this._round(r.x, y, r.w, r.h, 8);
    ctx.fillStyle = th.panel;
    ctx.fill();
    const focused = this.focus?.member?.[0] === gi && this.focus.member[1] === m;
    ctx.strokeStyle = focused ? th.ink : dead ? th.faint : col;
    ctx.lineWidth = focused ? 3 : 2;
    if (state === "Left") ctx.setLineDash([4, 3]);
    ctx.stroke();
    ctx.setLineDash(NO_DASH);
    ctx.lineWidth = 1;
    ctx.fillStyle = dead ? th.faint : col;
    ctx.fillRect(r.x + 1, y + 4, 4, r.h - 8);
    const leader = f.member(gi, m, K.M_LEADER) > 0 ? " ★" : "";
    const big = r.h >= 40;
    const label = state.toLowerCase();
    this._setFont(10, "600");
    const bw = this._width(label) + 10;
    const stacked = big && r.w - bw - 22 < 70;
    const line = stacked ? 14 : 0;
    const drawnName = this._text(`${name}${leader}`, r.x + 10, y + (big ? 12 : r.h / 2), { size: 12, weight: "600", max: stacked ? r.w - 16 : r.w - bw - (kline && !big ? 34 : 22) });
    const bx = stacked ? r.x + 10 : r.x + r.w - bw - 6;
    // a one-line KIP-848 box still shows its reconcile mark, left of the badge
    if (kline && !dead && !big) this._text(kline.mark.glyph, bx - 12, y + r.h / 2, { size: 10, color: kline.mark.color(th), weight: "700" });
    const by = stacked ? y + 20 : y + (big ? 5 : r.h / 2 - 7);
    this._round(bx, by, bw, 14, 7);
    ctx.fillStyle = STATE_COLORS[state] ?? th.muted;
    ctx.fill();
    this._text(label, bx + bw / 2, by + 7.5, { size: 10, color: "#fff", align: "center", weight: "600" });
    let work = false;
    if (big && (!stacked || r.h >= 50)) {
      const mine = dead ? [] : parts; // a dead process owns nothing, whatever it last believed
      if (kline && !dead) {
        // KIP-848: the reconcile mark, member epoch against the target epoch, and the partitions
        // owned, releasing (P2⇣) and waiting for their previous owner ((P4))
        this._text(kline.mark.glyph, r.x + 10, y + 28 + line, { size: 10, color: kline.mark.color(th), weight: "700" });
        this._text(kline.text, r.x + 22, y + 28 + line, { size: 10, color: th.muted, max: r.w - 28 });
      } else {
        const text = mine.length ? mine.map((p) => `P${p}`).join(" ") : idle ? "no partitions · zzz" : "—";
        this._text(text, r.x + 10, y + 28 + line, { size: 10, color: th.muted, max: r.w - 16 });
      }
      work = r.h >= 52 + line;
    }
    ctx.globalAlpha = 1;
    if (state === "Crashed") {
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
    return { drawnName, work, workY: 42 + line, alpha };
  }

  // ---- heatmap -------------------------------------------------------------------------------

  _heat(f, wall) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    const K = f.K;
    const fp = this.focus?.partition;
    const fm = this.focus?.member;
    f.layout.groups.forEach((gl, gi) => {
      const c = g.groups[gi];
      const state = f.groupState(gi);
      const rebalancing = state !== "Stable";
      const flash = this.flashes.find((x) => x.kind === "rebalance" && x.group === gi && wall - x.t0 < 1200);
      // header
      this._round(c.x, c.y, c.w, c.headerH - 4, 6);
      ctx.fillStyle = rebalancing ? (th === THEMES.dark ? "#4a3b12" : "#fff3cd") : th.panel;
      ctx.fill();
      ctx.strokeStyle = flash ? th.dup : groupColor(gi, th);
      ctx.lineWidth = 1.5;
      ctx.stroke();
      ctx.lineWidth = 1;
      const strategy = f.groupStrategy(gi);
      this._text(`${gl.id} · ${stateWord(state)}`, c.x + 6, c.y + 9, { size: 12, weight: "700", color: rebalancing ? th.dup : th.ink, max: c.w - 12 });
      this._text(`gen ${f.group(gi, K.G_GENERATION)}${strategy ? ` · ${strategy}` : ""} · lag ${fmtCount(f.group(gi, K.G_LAG_NOW))} · ${fmtCount(f.group(gi, K.G_PROCESSED))} processed`, c.x + 6, c.y + 22, { size: 10, color: th.muted, max: c.w - 12 });
      // partition cells
      const parts = f.subscribed[gi];
      let maxLag = 1;
      for (const i of parts) maxLag = Math.max(maxLag, f.gp(gi, i, K.GP_LAG));
      const cell = c.cell;
      const inner = cell > 3 ? cell - 1 : cell;
      const focusOwner = fm && fm[0] === gi ? fm[1] : -2;
      let fx = -1, fy = -1;
      // cells batched by owner colour (member colours repeat every 10 slots), then every lag
      // fill in one path: two style changes per colour instead of two per cell
      const owners = this._heatOwners?.length >= parts.length ? this._heatOwners : (this._heatOwners = new Int16Array(Math.max(parts.length, 256)));
      for (let k = 0; k < parts.length; k++) { const o = f.gp(gi, parts[k], K.GP_OWNER); owners[k] = o >= 0 ? o % 10 : -1; }
      for (let col = -1; col < 10; col++) {
        let any = false;
        for (let k = 0; k < parts.length; k++) {
          if (owners[k] !== col) continue;
          if (!any) { ctx.fillStyle = col >= 0 ? this._member(col) : th.faint; any = true; }
          ctx.fillRect(c.hx + (k % c.cols) * cell, c.hy + Math.floor(k / c.cols) * cell, inner, inner);
        }
      }
      ctx.beginPath();
      let anyLag = false;
      for (let k = 0; k < parts.length; k++) {
        const i = parts[k];
        const x = c.hx + (k % c.cols) * cell, y = c.hy + Math.floor(k / c.cols) * cell;
        const lag = f.gp(gi, i, K.GP_LAG);
        if (lag > 0) {
          const h = Math.max(1, inner * Math.min(1, lag / maxLag));
          ctx.rect(x, y + inner - h, inner, h);
          anyLag = true;
        }
        if (i === fp) { fx = x; fy = y; }
      }
      if (anyLag) { ctx.fillStyle = "rgba(0,0,0,0.55)"; ctx.fill(); }
      if (focusOwner >= 0) {
        ctx.strokeStyle = th.ink;
        for (let k = 0; k < parts.length; k++) {
          if (f.gp(gi, parts[k], K.GP_OWNER) !== focusOwner) continue;
          ctx.strokeRect(c.hx + (k % c.cols) * cell + 0.5, c.hy + Math.floor(k / c.cols) * cell + 0.5, inner - 1, inner - 1);
        }
      }
      if (fx >= 0) {
        ctx.strokeStyle = th.ink;
        ctx.lineWidth = 2;
        ctx.strokeRect(fx - 1.5, fy - 1.5, inner + 3, inner + 3);
        ctx.lineWidth = 1;
      }
      // partition numbers every few rows, when there is room
      if (cell >= 10) {
        const rowsN = Math.ceil(parts.length / c.cols);
        const every = Math.max(1, Math.ceil(14 / cell));
        for (let r = 0; r < rowsN; r += every) this._text(`P${f.partOfIdx[parts[r * c.cols]]}`, c.hx + 2, c.hy + r * cell + inner / 2, { size: clamp(cell * 0.45, 7, 10), color: "#fff", weight: "600" });
      }
      this.hits.push({ kind: "heat", group: gi, x: c.hx, y: c.hy, w: c.cols * cell, h: Math.ceil(parts.length / c.cols) * cell, cols: c.cols, cell, parts });
      // member tiles
      const t = c.mTile;
      const ti = t > 3 ? t - 1 : t;
      for (let m = 0; m < gl.members.length; m++) {
        const x = c.mx + (m % c.mCols) * t, y = c.my + Math.floor(m / c.mCols) * t;
        const st = f.memberState(gi, m);
        ctx.fillStyle = STATE_COLORS[st] ?? th.muted;
        ctx.fillRect(x, y, ti, ti);
        if (f.member(gi, m, K.M_LEADER) > 0) { ctx.fillStyle = "#fff"; ctx.fillRect(x + ti / 2 - 1, y + ti / 2 - 1, 2, 2); }
        if (focusOwner === m) { ctx.strokeStyle = th.ink; ctx.lineWidth = 2; ctx.strokeRect(x - 1, y - 1, ti + 2, ti + 2); ctx.lineWidth = 1; }
        this.hits.push({ kind: "consumer", group: gi, member: m, x, y, w: ti, h: ti });
      }
    });
    // crash flashes on member tiles
    this.flashes = this.flashes.filter((x) => wall - x.t0 < 1400);
    for (const fl of this.flashes) {
      if (fl.kind !== "crash") continue;
      const h = this.hits.find((x) => x.kind === "consumer" && x.group === fl.group && x.member === fl.member);
      if (!h) continue;
      ctx.globalAlpha = 1 - (wall - fl.t0) / 1400;
      ctx.strokeStyle = th.crashed;
      ctx.lineWidth = 2;
      ctx.strokeRect(h.x - 3, h.y - 3, h.w + 6, h.h + 6);
      ctx.lineWidth = 1;
      ctx.globalAlpha = 1;
    }
  }

  /** The detail box under the heatmap: the focused partition or consumer, in numbers. */
  _detail(f) {
    const g = this.geom;
    const d = g.detail;
    const th = this.theme;
    const ctx = this.ctx;
    const K = f.K;
    this._round(d.x, d.y, d.w, d.h, 6);
    ctx.fillStyle = th.panel;
    ctx.fill();
    ctx.strokeStyle = th.faint;
    ctx.stroke();
    const fp = this.focus?.partition;
    const fm = this.focus?.member;
    if (fp !== undefined && fp < f.total) {
      const t = f.layout.topics[f.topicOfIdx[fp]];
      this._text(`${t.name} P${f.partOfIdx[fp]} · log ${f.logStart(fp)}–${f.logEnd(fp)} · last stable ${f.lso(fp)}`, d.x + 8, d.y + 11, { size: 12, weight: "700", max: d.w - 16 });
      const lines = this._groupsHere(f, fp).map((x) => `${f.layout.groups[x.gi].id}: ${x.owner === null ? "no owner" : f.memberName(x.gi, x.owner)} · committed ${x.committed ?? "—"} · lag ${x.lag} · down ${(f.gp(x.gi, fp, K.GP_DOWNTIME_MS) / 1000).toFixed(1)} s`);
      this._text(lines.join("   |   "), d.x + 8, d.y + 28, { size: 11, color: th.muted, max: d.w - 16 });
      // its newest records, newest at the right
      const n = f.tailCount(fp), base = f.tailBase(fp);
      if (n > 0) {
        const ew = 12, slot = 14;
        const fit = Math.min(n, Math.floor((d.w - 16) / slot));
        for (let k = 0; k < fit; k++) {
          const o = base + n - fit + k;
          const key = f.keyAt(fp, o);
          this._envelope(d.x + 8 + k * slot, d.y + 44, ew, 9, keyColor(key, th), f.kindAt(fp, o));
        }
        this._text(`newest ${fit} records (colour: key) · Esc clears the focus`, d.x + 8, d.y + 63, { size: 10, color: th.muted, max: d.w - 16 });
      }
    } else if (fm) {
      const [gi, m] = fm;
      const parts = this._assigned(f, gi)[m] ?? [];
      const pi = f.member(gi, m, K.M_PROC_PARTITION);
      this._text(`${f.memberName(gi, m)} (${f.layout.groups[gi].id}) · ${f.memberState(gi, m).toLowerCase()}${f.member(gi, m, K.M_LEADER) > 0 ? " · leader" : ""} · generation ${f.member(gi, m, K.M_GENERATION)}`, d.x + 8, d.y + 11, { size: 12, weight: "700", max: d.w - 16 });
      this._text(`${parts.length} partition${parts.length === 1 ? "" : "s"}: ${parts.slice(0, 40).map((p) => `P${p}`).join(" ")}${parts.length > 40 ? " …" : ""}`, d.x + 8, d.y + 28, { size: 11, color: th.muted, max: d.w - 16 });
      this._text(`${f.member(gi, m, K.M_PROCESSED)} processed${pi >= 0 ? ` · working on P${f.partOfIdx[pi]}@${f.member(gi, m, K.M_PROC_OFFSET)}` : ""}${f.member(gi, m, K.M_PENDING) > 0 ? ` · ${f.member(gi, m, K.M_PENDING)} waiting` : ""}`, d.x + 8, d.y + 45, { size: 11, color: th.muted, max: d.w - 16 });
    } else {
      this._text("Click a partition cell or a consumer tile (or press ↓ on the stage) to see its numbers here.", d.x + 8, d.y + 14, { size: 11, color: th.muted, max: d.w - 16 });
      const K2 = K;
      let produced = 0;
      for (let p = 0; p < f.layout.producers.length; p++) produced += f.producer(p, K2.PR_PRODUCED);
      this._text(`${fmtCount(produced)} produced · ${fmtCount(f.sum(K.G_PROCESSED))} processed · lag ${fmtCount(f.sum(K.G_LAG_NOW))} · ${f.sum(K.G_REBALANCES)} rebalances`, d.x + 8, d.y + 32, { size: 11, color: th.muted, max: d.w - 16 });
    }
  }

  _tray(f) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    const t = g.tray;
    const K = f.K;
    let lost = f.sum(K.G_LOST);
    for (let s = 0; s < f.shareGroupsL.length; s++) lost += f.sg(s, K.SG_LOST);
    const dups = f.sum(K.G_DUPLICATES);
    this._round(t.x, t.y, t.w, t.h, 6);
    ctx.fillStyle = lost ? (th === THEMES.dark ? "#3b1a1a" : "#fdecea") : th.panel;
    ctx.fill();
    ctx.strokeStyle = lost ? th.lost : th.faint;
    ctx.setLineDash([4, 3]);
    ctx.stroke();
    ctx.setLineDash([]);
    // the two counters side by side; shorter words when the tray is narrow (a phone), never overlapping
    this._setFont(11, "600");
    let left = `lost tray: ${lost}`, right = `duplicates: ${dups}`;
    if (this._width(left) + this._width(right) + 28 > t.w) { left = `lost: ${lost}`; right = `dup: ${dups}`; }
    const lw = this._width(left), rw = this._width(right);
    const lx = this._place("tray", left, t.x + 8, t.y + t.h / 2 - 7, lw, 14);
    const rx = this._place("tray", right, t.x + t.w - 8 - rw, t.y + t.h / 2 - 7, rw, 14, t.x + 8);
    if (lx) this._text(left, lx.x, t.y + t.h / 2, { size: 11, color: lost ? th.lost : th.muted, weight: "600" });
    if (rx && rx.y === lx?.y) this._text(right, rx.x, t.y + t.h / 2, { size: 11, color: dups ? th.dup : th.muted, weight: "600" });
    // a click on a non-zero counter opens the Why? panel (the counters beside the stage are the keyboard's way)
    if (lx && lost) this.hits.push({ kind: "why", why: { kind: "lost" }, x: lx.x - 4, y: t.y, w: lw + 8, h: t.h });
    if (rx && rx.y === lx?.y && dups) this.hits.push({ kind: "why", why: { kind: "duplicate" }, x: rx.x - 4, y: t.y, w: rw + 8, h: t.h });
    const n = Math.min(this.lostTray.length, Math.floor((t.w - 220) / 16));
    for (let i = 0; i < n; i++) this._envelope(t.x + 100 + i * 16, t.y + 7, 13, 10, th.lost);
  }

  _flights(f, wall) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    const list = this.flights;
    if (!list.length) return;
    // Flying envelopes pass behind the shelf labels and log-end numbers, never over them.
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, 0, this.W, this.H);
    for (const l of this.labels) ctx.rect(l.x - 1, l.y - 1, l.w + 2, l.h + 2);
    ctx.clip("evenodd");
    const outline = new Path2D();
    let keep = 0;
    for (let k = 0; k < list.length; k++) {
      const fl = list[k];
      const t = (wall - fl.t0) / fl.dur;
      if (t < 0) { list[keep++] = fl; continue; }
      let from, to, color;
      if (fl.kind === "append") {
        const pr = g.producers[fl.producer];
        from = pr ? { x: pr.x + pr.w, y: pr.y + pr.h / 2 } : null;
        to = this.slotPoint(fl.i, fl.offset);
        color = this._key(fl.key);
      } else if (fl.kind === "fetch") {
        from = this.slotPoint(fl.i, fl.offset);
        to = this._memberAnchor(fl.group, fl.member);
        if (to) to.x += 12;
        const kk = f.keyAt(fl.i, fl.offset);
        color = kk === undefined ? th.noKey : this._key(kk);
      } else if (fl.kind === "output") {
        from = this._memberAnchor(fl.group, fl.member);
        to = this.slotPoint(fl.i, fl.offset);
        color = th.txnOpen;
      } else {
        from = this.slotPoint(fl.i, fl.offset);
        to = { x: g.tray.x + 100 + (this.lostTray.length % 20) * 16, y: g.tray.y + 12 };
        color = th.lost;
      }
      if (t >= 1 || !from || !to) {
        this._land(fl);
        continue;
      }
      list[keep++] = fl;
      const e = ease(t);
      const x = lerp(from.x, to.x, e);
      const y = lerp(from.y, to.y, e) - Math.sin(Math.PI * t) * (fl.kind === "lost" ? -10 : 18);
      if (!g.detailed && fl.kind !== "lost") continue;
      const ew = g.detailed ? g.ew * 0.8 : 10;
      const ex = x - ew / 2, ey = y - ew * 0.36, eh = ew * 0.72;
      ctx.fillStyle = color;
      ctx.fillRect(ex, ey, ew, eh);
      outline.rect(ex + 0.5, ey + 0.5, ew - 1, eh - 1);
      outline.moveTo(ex + 1, ey + 1);
      outline.lineTo(ex + ew / 2, ey + eh * 0.55);
      outline.lineTo(ex + ew - 1, ey + 1);
    }
    list.length = keep;
    ctx.strokeStyle = "rgba(0,0,0,0.35)";
    ctx.lineWidth = 1;
    ctx.stroke(outline);
    ctx.restore();
    this._font = ""; // restore() brought back the font of save()
  }

  _land(fl) {
    if (fl.kind === "append" || fl.kind === "output") {
      this.hidden.get(fl.i)?.delete(fl.offset);
    } else if (fl.kind === "lost") {
      this.lostTray.push(fl.offset);
      if (this.lostTray.length > 40) this.lostTray.shift();
    }
  }

  _flashes(wall) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    const f = this.controller.frame;
    this.flashes = this.flashes.filter((x) => wall - x.t0 < 1400);
    for (const fl of this.flashes) {
      const t = (wall - fl.t0) / 1400;
      if (fl.kind === "crash" || fl.kind === "dupMember" || fl.kind === "abort") {
        const r = g.groups[fl.group]?.members[fl.member];
        if (!r) continue;
        ctx.strokeStyle = fl.kind === "dupMember" ? th.dup : th.crashed;
        ctx.globalAlpha = 1 - t;
        ctx.lineWidth = 3;
        this._round(r.x - 3 - t * 6, r.y - 3 - t * 6, r.w + 6 + t * 12, r.h + 6 + t * 12, 10);
        ctx.stroke();
        ctx.lineWidth = 1;
        if (fl.kind === "dupMember") {
          this._setFont(11, "700");
          const w = this._width("DUP");
          const p = this._place("dup-member", "DUP", r.x - 8 - w, r.y + 2 - t * 12, w, 13, g.midX1);
          if (p) this._text("DUP", p.x, p.y + 6.5, { size: 11, color: th.dup, weight: "700" });
        }
        ctx.globalAlpha = 1;
      } else if (fl.kind === "dup") {
        const row = f && g.rowOf.get(f.index(fl.topic, fl.partition));
        if (!row) continue;
        ctx.globalAlpha = 1 - t;
        ctx.fillStyle = th.dup;
        ctx.fillRect(g.shelf.x0 - 6, row.y + 1, 3, row.h - 2);
        this._setFont(10, "700");
        const w = this._width(fl.text);
        // right-aligned at the shelf's end, or left of / under a rebalance tag already there
        const r = this._place("duplicate", fl.text, g.shelf.x1 - 4 - w, row.y + 1 - t * 6, w, 12, g.shelf.x0);
        if (r) {
          ctx.globalAlpha = 1 - t * 0.6;
          ctx.fillStyle = th.bg;
          ctx.fillRect(r.x - 2, r.y, r.w + 4, r.h);
          ctx.globalAlpha = 1 - t;
          this._text(fl.text, r.x, r.y + 6.5, { size: 10, color: th.dup, weight: "700" });
          // the flash opens the Why? panel for this group's duplicates on this partition
          const L = f.layout;
          this.hits.unshift({ kind: "why", why: { kind: "duplicate", owner: L.groups[fl.group]?.id ?? null, topic: L.topics[fl.topic]?.name ?? null, partition: fl.partition, offset: fl.offset ?? null }, x: r.x - 2, y: r.y, w: r.w + 4, h: r.h });
        }
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

  /** The rebalance mark of group gi on a partition row, if it is drawn (not "new"). */
  _rowMark(gi, row) {
    const m = this.rebalance?.marks(gi).get(row.key);
    return m && m.kind !== "new" ? m : null;
  }

  /** A pill behind the shelf label: the new owner's colour when the partition moved. */
  _labelMark(f, row, cy) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    row.pill = false;
    if (!this.rebalance) return;
    let moved = null, held = null;
    for (let gi = 0; gi < f.layout.groups.length; gi++) {
      const m = this._rowMark(gi, row);
      if (m?.kind === "moved" && !moved) moved = m;
      else if (m?.kind === "withheld" && !held) held = m;
    }
    const h = clamp(row.h - 4, 8, 20);
    row.pill = !!moved || !!held;
    if (moved) {
      const p = this._pulse(moved.seq, performance.now());
      ctx.fillStyle = this._member(moved.to);
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
  _marks(f, wall) {
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    if (!g.detailed || g.rh < 16) return; // compact rows: the label pill and the bold line say it
    const many = f.layout.groups.length > 1;
    const nG = f.layout.groups.length;
    for (const row of g.rows) {
      if (row.header) continue;
      let x = g.shelf.x1 - 2;
      const y = row.y + 7;
      for (let gi = nG - 1; gi >= 0; gi--) {
        const ktag = f.isKip848(gi) ? kip848.rowTag(f, gi, row.i) : null;
        const mark = ktag ?? this._rowMark(gi, row);
        if (!mark || (many && mark.kind === "stayed")) continue; // with several groups only changes get a tag
        let text, fill, ink = "#fff", dash = false;
        if (ktag) {
          // KIP-848 reconciliation, partition by partition: dashed while its owner still holds it
          text = g.narrow ? ktag.kind : ktag.text;
          fill = ktag.kind === "free" ? this._member(ktag.to) : th.panel;
          ink = ktag.kind === "free" ? "#fff" : ktag.kind === "releasing" ? th.dup : th.txnOpen;
          dash = ktag.kind !== "free";
        } else if (mark.kind === "moved") { text = g.narrow ? "moved" : `moved → c${mark.to + 1}`; fill = this._member(mark.to); } else if (mark.kind === "withheld") { text = g.narrow ? "withheld" : "withheld — revoking"; fill = th.panel; ink = th.dup; dash = true; } else { text = "stayed"; fill = null; ink = th.muted; }
        this._setFont(9, "600");
        if (many) {
          const id = f.layout.groups[gi].id;
          const long = `${id}: ${text}`;
          text = x - this._width(long) - 8 >= g.shelf.x0 + 20 ? long : `${shortName(id) === id ? id : shortName(id)}: ${ktag ? ktag.kind : mark.kind === "withheld" ? "withheld" : "moved"}`;
        }
        const w = this._width(text) + 8;
        if (x - w < g.shelf.x0 + 20) break;
        const r = this._place("tag", text, x - w, y - 6, w, 12, g.shelf.x0 + 20);
        if (!r || r.y !== y - 6) { if (r) this.labels.pop(); break; }
        x = r.x + w;
        if (fill) {
          const p = mark.kind === "moved" ? this._pulse(mark.seq, wall) : 0;
          this._round(x - w, y - 6, w, 12, 6);
          ctx.fillStyle = fill;
          ctx.fill();
          if (p) { ctx.strokeStyle = fill; ctx.globalAlpha = p; ctx.lineWidth = 2; this._round(x - w - 2 * p, y - 6 - 2 * p, w + 4 * p, 12 + 4 * p, 7); ctx.stroke(); ctx.globalAlpha = 1; ctx.lineWidth = 1; }
          if (dash) { ctx.strokeStyle = ktag ? ink : th.dup; ctx.setLineDash([3, 2]); this._round(x - w, y - 6, w, 12, 6); ctx.stroke(); ctx.setLineDash([]); }
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
  _remapLinks(f) {
    this._pendingRemap = this._pendingRemap ?? [];
    this._pendingRemap.length = 0;
    const km = this.keyMoves;
    if (!km || !km.remaps.length) return;
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    const recent = km.recent(REMAPS_DRAWN);
    const newestOnRow = new Map(recent.map((r) => [`${r.topic}:${r.to}`, r]));
    for (const r of recent) {
      const i = f.index(r.topic, r.to);
      const row = g.rowOf.get(i);
      if (!row || this.hidden.get(i)?.has(r.offset)) continue;
      if (g.detailed && r.offset < this._lo(f, i)) continue; // scrolled off the shelf
      const at = g.detailed ? this.slotPoint(i, r.offset) : { x: g.shelf.x1 - 6, y: row.y + row.h / 2 };
      const old = this.slotPoint(f.index(r.topic, r.from), r.fromOffset);
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
      if (row.h >= 30 && (newestOnRow.get(`${r.topic}:${r.to}`) === r || broken)) this._pendingRemap.push(broken ? `${r.key} out of order` : `${r.key} moved here`, bx + 8, by - 1, broken);
    }
  }

  /**
   * Rows mode: the focused partition or consumer (click, or ↑/↓ on the stage) in words, with
   * full names, in a card over the tray; Esc clears it.
   */
  _focusCard(f) {
    const fp = this.focus?.partition, fm = this.focus?.member;
    if (fp === undefined && !fm) return;
    const g = this.geom;
    const th = this.theme;
    const ctx = this.ctx;
    const K = f.K;
    let text;
    if (fp !== undefined && fp < f.total) {
      const parts = [];
      for (let gi = 0; gi < f.layout.groups.length; gi++) {
        if (!(f.gp(gi, fp, K.GP_SUBSCRIBED) > 0)) continue;
        const o = f.gp(gi, fp, K.GP_OWNER), c = f.gp(gi, fp, K.GP_COMMITTED);
        parts.push(`${f.layout.groups[gi].id}: ${o >= 0 ? f.memberName(gi, o) : "no owner"}, committed ${c >= 0 ? c : "—"}, lag ${f.gp(gi, fp, K.GP_LAG)}, stopped ${(f.gp(gi, fp, K.GP_DOWNTIME_MS) / 1000).toFixed(1)} s`);
      }
      text = `${f.layout.topics[f.topicOfIdx[fp]]?.name} P${f.partOfIdx[fp]} · log ${f.logStart(fp)}–${f.logEnd(fp)} · ${parts.join(" | ")}`;
    } else if (fm && fm[0] < f.layout.groups.length && fm[1] < f.layout.groups[fm[0]].members.length) {
      const [gi, m] = fm;
      const mine = this._assigned(f, gi)[m] ?? [];
      const pi = f.member(gi, m, K.M_PROC_PARTITION);
      text = `${f.memberName(gi, m)} (${f.layout.groups[gi].id}) · ${f.memberState(gi, m).toLowerCase()}${f.member(gi, m, K.M_LEADER) > 0 ? " · leader ★" : ""} · ${mine.length ? mine.map((p) => `P${p}`).join(" ") : "no partitions"} · ${f.member(gi, m, K.M_PROCESSED)} processed${pi >= 0 ? ` · working on P${f.partOfIdx[pi]}@${f.member(gi, m, K.M_PROC_OFFSET)}` : ""}`;
    } else return;
    // wrapped at its " · " and " | " joints into as many lines as it needs, growing up from the tray
    const t = g.tray;
    this._setFont(11, "600");
    const max = t.w - 16;
    const lines = [];
    let line = "";
    for (const part of text.split(/(?= · | \| )/)) {
      const next = line + part;
      if (line && this._width(next) > max) { lines.push(line); line = part.replace(/^ (·|\|) /, ""); } else line = next;
    }
    if (line) lines.push(line);
    const h = Math.max(t.h, lines.length * 14 + 10);
    const y = t.y + t.h - h;
    this._round(t.x, y, t.w, h, 6);
    ctx.fillStyle = th.panel;
    ctx.fill();
    ctx.strokeStyle = th.ink;
    ctx.lineWidth = 1.5;
    ctx.stroke();
    ctx.lineWidth = 1;
    const drawnLines = lines.map((l, k) => this._text(l, t.x + 8, y + 12 + k * 14, { size: 11, weight: "600", max }));
    this.focusText = drawnLines.join(" · ");
  }

  /**
   * What the last frame drew, for tests and debugging (not pixels): every envelope on a shelf with
   * its status (unread, fetched, processed — processed but not committed —, committed), fill,
   * alpha, outline and shape; every placed label rect; the downtime bars; the focus card's text.
   */
  debugState() {
    const f = this.controller.frame;
    const g = this.geom;
    const E = this._env;
    const envelopes = [];
    if (f && g?.mode === "rows" && g.detailed && E) {
      for (let k = 0; k < E.n; k++) {
        const st = E.st[k], i = E.i[k];
        envelopes.push({
          topic: f.topicOfIdx[i], partition: f.partOfIdx[i], offset: E.o[k], status: STATUS_NAMES[st],
          fill: this._colorOf(E.col[k]), alpha: st === ST_COMMITTED ? FADED : 1,
          outline: st === ST_PROCESSED ? "amber" : "dark", shape: E.txn[k] === 4 ? "marker" : st === ST_PROCESSED ? "check" : "flap",
          txn: E.txn[k], x: E.x[k], y: E.y[k], w: g.ew, h: E.eh,
        });
      }
    }
    const downtime = [];
    if (f && this._down && g?.mode === "rows") {
      for (let gi = 0; gi < f.layout.groups.length; gi++) downtime.push(f.subscribed[gi].map((i) => ({ topic: f.topicOfIdx[i], partition: f.partOfIdx[i], ms: this._down.shown[gi * f.total + i] })));
    }
    return {
      mode: g?.mode ?? null,
      envelopes,
      labels: this.labels.map((l) => ({ kind: l.kind, text: l.text, x: l.x, y: l.y, w: l.w, h: l.h })),
      downtime,
      names: this._names.filter((_, k) => k % 2 === 0).map((full, k) => ({ full, drawn: this._names[2 * k + 1] })),
      focusText: this.focus ? this.focusText ?? null : null,
      share: g?.mode === "rows" ? this._shareDrawn ?? null : null,
      brokers: f && brokers.active(f) ? this._brokersDrawn ?? null : null,
      receipts: f && brokers.active(f) && g?.mode === "rows" ? this._receiptsDrawn ?? null : null,
    };
  }

  /** The remapped keys' captions ("user-4 moved here"), placed where no tag or label is. */
  _remapTexts() {
    const P = this._pendingRemap;
    if (!P?.length) return;
    const th = this.theme;
    const g = this.geom;
    for (let k = 0; k < P.length; k += 4) {
      const text = P[k], broken = P[k + 3];
      this._setFont(9, "600");
      const w = this._width(text);
      const r = this._place("remap", text, P[k + 1], P[k + 2] - 6, w, 12, g.shelf.x0);
      if (!r) continue;
      this.ctx.fillStyle = th.bg;
      this.ctx.globalAlpha = 0.8;
      this.ctx.fillRect(r.x - 1, r.y, r.w + 2, r.h);
      this.ctx.globalAlpha = 1;
      this._text(text, r.x, r.y + 6.5, { size: 9, color: broken ? th.lost : th.muted, weight: "600" });
    }
  }

  /** What is under a CSS-pixel point of the canvas: a consumer, a partition (heatmap), or null. */
  hitTest(x, y) {
    for (const h of this.hits) {
      if (!(x >= h.x && x <= h.x + h.w && y >= h.y && y <= h.y + h.h)) continue;
      if (h.kind !== "heat") return h;
      const k = Math.floor((y - h.y) / h.cell) * h.cols + Math.floor((x - h.x) / h.cell);
      if (k >= 0 && k < h.parts.length) return { kind: "partition", group: h.group, index: h.parts[k] };
    }
    // rows mode: a click on a shelf focuses that partition
    const g = this.geom;
    if (g?.mode === "rows" && x >= g.midX0 && x <= g.midX1) {
      for (const r of g.rows) if (!r.header && y >= r.y && y < r.y + r.h) return { kind: "partition", index: r.i };
    }
    return null;
  }

  /** A broker card's left edge and middle in CSS pixels of the canvas (for tests and the menu). */
  brokerPoint(b) {
    const h = this.hits.find((x) => x.kind === "broker" && x.broker === b);
    return h ? { x: h.x, y: h.y + h.h / 2, rect: { x: h.x, y: h.y, w: h.w, h: h.h } } : null;
  }

  /** Centre of a consumer's box in CSS pixels of the canvas (for tests and the menu). */
  consumerPoint(group, member, share = false) {
    const kind = share ? "shareConsumer" : "consumer";
    const h = this.hits.find((x) => x.kind === kind && x.group === group && x.member === member);
    return h ? { x: h.x + h.w / 2, y: h.y + h.h / 2, rect: { x: h.x, y: h.y, w: h.w, h: h.h } } : null;
  }
}

/** Whether this frame's scenario is drawn as a heatmap (too many partitions or consumers for rows). */
function isHeat(f) {
  return f.total > ROWS_MAX_PARTITIONS || f.totalMembers + f.totalShareMembers > MEMBERS_MAX_ROWS;
}

function stateWord(s) {
  return { Empty: "empty", PreparingRebalance: "rebalancing…", CompletingRebalance: "syncing…", Stable: "stable" }[s] ?? s;
}

function fmtRate(r) {
  return r >= 1000 ? `${(r / 1000).toFixed(r >= 10000 ? 0 : 1)}k` : `${+r.toFixed(1)}`;
}

function fmtCount(n) {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}
