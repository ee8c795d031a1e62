// The frame: typed-array views over the model's flat frame arrays (docs/frame-contract.md).
//
// The page reads the numbers it draws straight out of wasm memory: one `Float64Array` per array,
// created once and kept until the array's pointer, its length or the memory's buffer changes
// (a wasm memory growth detaches every view). Field offsets come from `wasm.frameLayout()`, never
// from constants written here. Names (topics, members, producers) come from `player.layout()`,
// a serde object fetched only when `layoutVersion()` changes.

/** ConsumerState in declaration order (event.rs); M_STATE indexes it. */
export const CONSUMER_STATES = ["Joining", "Idle", "Fetching", "Processing", "Committing", "Paused", "Crashed", "Left"];
/** GroupState in declaration order; G_STATE indexes it. */
export const GROUP_STATES = ["Empty", "PreparingRebalance", "CompletingRebalance", "Stable"];
/** Strategy::ALL order; G_STRATEGY indexes it. */
export const STRATEGY_NAMES = ["range", "roundrobin", "sticky", "cooperative-sticky"];
/** EnvelopeKind (frame.rs). */
export const ENVELOPE = { APPEND: 0, FETCH: 1, LOST: 2, OUTPUT: 3 };

const ARRAYS = ["partitions", "groupParts", "members", "groups", "producers", "tails", "envelopes", "series"];

export class FrameView {
  /**
   * @param {object} wasm  the binding (with `memory` and `frameLayout`)
   * @param {object} player  a wasm `Player`
   */
  constructor(wasm, player) {
    this.wasm = wasm;
    this.p = player;
    this.K = wasm.frameLayout();
    this.cache = {};
    this.layoutVersion = -1;
    this.seriesVersion = -1;
    this.sync();
  }

  _view(name) {
    const ptr = this.p[`${name}Ptr`]();
    const len = this.p[`${name}Len`]();
    const buf = this.wasm.memory.buffer;
    const c = this.cache[name];
    if (c && c.ptr === ptr && c.len === len && c.buf === buf) return c.a;
    const a = new Float64Array(buf, ptr, len);
    this.cache[name] = { ptr, len, buf, a };
    return a;
  }

  /** Re-reads the views (after `player.refresh`, a run or a seek). Allocates nothing when unchanged. */
  sync() {
    const lv = this.p.layoutVersion();
    if (lv !== this.layoutVersion) {
      this.layoutVersion = lv;
      this.layout = this.p.layout();
      this._derive();
    }
    for (const n of ARRAYS) this[n] = this._view(n);
    this.envSeq = this.p.envelopeSeq();
    this.seriesStride = this.p.seriesStride();
    if (this.seriesVersion !== lv) {
      this.seriesVersion = lv;
      this.tracked = this.p.seriesTracked(); // per group, [[topic, partition]] carried by each point
      this.seriesBase = [];
      let off = 2;
      this.tracked.forEach((tr, g) => { this.seriesBase[g] = off; off += 3 + tr.length; });
    }
    return this;
  }

  _derive() {
    const L = this.layout;
    this.total = L.total_partitions;
    this.topicOfIdx = new Int32Array(this.total);
    this.partOfIdx = new Int32Array(this.total);
    L.topics.forEach((t, ti) => { for (let p = 0; p < t.partitions; p++) { this.topicOfIdx[t.base + p] = ti; this.partOfIdx[t.base + p] = p; } });
    this.totalMembers = L.groups.reduce((a, g) => a + g.members.length, 0);
    // Which global partitions each group subscribes to.
    this.subscribed = L.groups.map((g) => {
      const out = [];
      for (const t of g.topics) { const tl = L.topics[t]; for (let p = 0; p < tl.partitions; p++) out.push(tl.base + p); }
      return out;
    });
  }

  // ---- accessors (global partition index i; group g; member slot m) ---------------------

  index(topic, partition) { return (this.layout.topics[topic]?.base ?? 0) + partition; }
  logStart(i) { return this.partitions[i * this.K.PART_STRIDE + this.K.PART_LOG_START]; }
  logEnd(i) { return this.partitions[i * this.K.PART_STRIDE + this.K.PART_LOG_END]; }
  lso(i) { return this.partitions[i * this.K.PART_STRIDE + this.K.PART_LSO]; }
  gp(g, i, field) { return this.groupParts[(g * this.total + i) * this.K.GP_STRIDE + field]; }
  memberRow(g, m) { return (this.layout.groups[g].member_base + m) * this.K.MEMBER_STRIDE; }
  member(g, m, field) { return this.members[this.memberRow(g, m) + field]; }
  memberState(g, m) { return CONSUMER_STATES[this.member(g, m, this.K.M_STATE)] ?? "Joining"; }
  memberName(g, m) { return this.layout.groups[g].members[m] ?? `consumer-${m + 1}`; }
  group(g, field) { return this.groups[g * this.K.GROUP_STRIDE + field]; }
  groupState(g) { return GROUP_STATES[this.group(g, this.K.G_STATE)] ?? "Empty"; }
  groupStrategy(g) { return STRATEGY_NAMES[this.group(g, this.K.G_STRATEGY)] ?? null; }
  producer(p, field) { return this.producers[p * this.K.PRODUCER_STRIDE + field]; }
  /** Group totals: processed, duplicates, lost, rebalances, lag now, summed over groups. */
  sum(field) { let s = 0; for (let g = 0; g < this.layout.groups.length; g++) s += this.group(g, field); return s; }

  /** Tail of partition i (only if it was asked for in the last refresh): {base, count} or null. */
  tailBase(i) { const n = this.tails[i * this.K.TAIL_STRIDE + 1]; return n > 0 ? this.tails[i * this.K.TAIL_STRIDE] : -1; }
  tailCount(i) { return Math.max(0, this.tails[i * this.K.TAIL_STRIDE + 1]); }
  /** Key of `offset` on partition i from its tail: a number, null (no key), or undefined (not in the tail). */
  keyAt(i, offset) {
    const row = i * this.K.TAIL_STRIDE;
    const k = offset - this.tails[row];
    if (!(k >= 0 && k < this.tails[row + 1])) return undefined;
    const v = this.tails[row + 2 + k];
    return v < 0 ? null : v;
  }
  /** Transaction kind of `offset` (0 plain, 1 open, 2 committed, 3 aborted, 4 marker), or 0. */
  kindAt(i, offset) {
    const row = i * this.K.TAIL_STRIDE;
    const k = offset - this.tails[row];
    if (!(k >= 0 && k < this.tails[row + 1])) return 0;
    return this.tails[row + 2 + this.K.TAIL_KEYS + k];
  }

  /** Calls fn(row offset into this.envelopes) for sampled envelopes with seq in (after, now], oldest first. */
  envelopesAfter(after, fn) {
    const R = this.K.ENVELOPE_RING, S = this.K.ENVELOPE_STRIDE;
    const last = this.envSeq;
    const first = Math.max(after + 1, last - R + 1, 1);
    for (let s = first; s <= last; s++) {
      const row = (s % R) * S;
      if (this.envelopes[row] === s) fn(row);
    }
    return last;
  }

  /** Number of series points. */
  seriesPoints() { return this.seriesStride ? Math.floor(this.series.length / this.seriesStride) : 0; }
  seriesAt(k, off) { return this.series[k * this.seriesStride + off]; }

  /**
   * A small object shaped like the snapshot's groups/members (names, states, assigned
   * partitions) for the DOM consumer list; at most `maxMembers` members in all.
   */
  lite(maxMembers = 128) {
    const L = this.layout, K = this.K;
    const groups = L.groups.map((g) => ({ id: g.id, members: [] }));
    let budget = maxMembers;
    L.groups.forEach((g, gi) => {
      const n = Math.min(g.members.length, budget);
      budget -= n;
      for (let m = 0; m < n; m++) groups[gi].members.push({ name: g.members[m], state: this.memberState(gi, m), assigned: [] });
      for (const i of this.subscribed[gi]) {
        const o = this.gp(gi, i, K.GP_OWNER);
        if (o >= 0 && o < n) groups[gi].members[o].assigned.push([this.topicOfIdx[i], this.partOfIdx[i]]);
      }
    });
    return { groups, truncated: this.totalMembers > maxMembers, totalMembers: this.totalMembers };
  }
}
