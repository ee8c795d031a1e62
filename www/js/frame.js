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

/** ReconcileState (event.rs) in declaration order; KM_STATE indexes it. */
export const RECONCILE_STATES = ["stable", "unrevoked", "unreleased"];
/** Share consumer states (group_view.rs); SM_STATE indexes it. */
export const SHARE_MEMBER_STATES = ["idle", "fetching", "processing", "paused", "crashed", "left"];
/** Share record states (share.rs RecordState); the in-flight samples carry the index. */
export const SHARE_RECORD_STATES = ["available", "acquired", "acknowledged", "archived"];

const ARRAYS = [
  "partitions", "groupParts", "members", "groups", "producers", "tails", "envelopes", "series",
  "kip848Members", "kip848Groups", "kip848Parts", "shareParts", "shareMembers", "shareGroups", "shareRecords",
  "brokers", "replicas",
];

/** BrokerState (sim) in declaration order; BR_STATE indexes it. */
export const BROKER_STATES = ["up", "crashed", "isolated"];

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
    this.shareGroupsL = L.share_groups ?? [];
    this.totalShareMembers = this.shareGroupsL.reduce((a, g) => a + g.members.length, 0);
    // Which global partitions each group subscribes to.
    this.subscribed = L.groups.map((g) => {
      const out = [];
      for (const t of g.topics) { const tl = L.topics[t]; for (let p = 0; p < tl.partitions; p++) out.push(tl.base + p); }
      return out;
    });
    const partsOf = (topics) => {
      const out = [];
      for (const t of topics) { const tl = L.topics[t]; for (let p = 0; p < tl.partitions; p++) out.push(tl.base + p); }
      return out;
    };
    this.shareSubscribed = this.shareGroupsL.map((g) => partsOf(g.topics));
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
  // ---- KIP-848 (group.protocol=consumer) and share groups (KIP-932) ----------------------

  /** Whether group g speaks the consumer protocol (KIP-848). */
  isKip848(g) { return this.kip848Groups[g * this.K.KG_STRIDE + this.K.KG_PROTOCOL] > 0; }
  kg(g, field) { return this.kip848Groups[g * this.K.KG_STRIDE + field]; }
  km(g, m, field) { return this.kip848Members[(this.layout.groups[g].member_base + m) * this.K.KM_STRIDE + field]; }
  kp(g, i, field) { return this.kip848Parts[(g * this.total + i) * this.K.KP_STRIDE + field]; }
  /** "stable", "unrevoked" or "unreleased" for a KIP-848 member the coordinator knows, else null. */
  reconcileState(g, m) { return RECONCILE_STATES[this.km(g, m, this.K.KM_STATE)] ?? null; }
  sp(s, i, field) { return this.shareParts[(s * this.total + i) * this.K.SP_STRIDE + field]; }
  sm(s, m, field) { return this.shareMembers[(this.shareGroupsL[s].member_base + m) * this.K.SM_STRIDE + field]; }
  sg(s, field) { return this.shareGroups[s * this.K.SG_STRIDE + field]; }
  shareMemberState(s, m) { return SHARE_MEMBER_STATES[this.sm(s, m, this.K.SM_STATE)] ?? "idle"; }
  shareMemberName(s, m) { return this.shareGroupsL[s]?.members[m] ?? `share-consumer-${m + 1}`; }
  /** In-flight records sampled for share group s on partition i (if its tail was asked for): count. */
  shareSampleCount(s, i) { return Math.max(0, this.shareRecords[(s * this.total + i) * this.K.SR_STRIDE + 1]); }
  /** The sample's first offset (the SPSO when it was taken). */
  shareSampleBase(s, i) { return this.shareRecords[(s * this.total + i) * this.K.SR_STRIDE]; }
  /** Field `k` (0 state, 1 delivery count, 2 holder slot, 3 lock deadline ms) of sampled record j. */
  shareSample(s, i, j, k) { return this.shareRecords[(s * this.total + i) * this.K.SR_STRIDE + 2 + 4 * j + k]; }

  // ---- brokers and replication ------------------------------------------------------------

  /** Brokers in the cluster (1 when the scenario does not say). */
  brokerCount() { return this.layout.brokers ?? 1; }
  /** Whether the stage shows brokers: more than one, or a partition with more than one replica. */
  hasBrokers() { return this.brokerCount() > 1 || (this.layout.replica_slots ?? 1) > 1; }
  br(b, field) { return this.brokers[b * this.K.BROKER_STRIDE + field]; }
  /** "up", "crashed" or "isolated"; "fenced" is a separate flag (BR_FENCED). */
  brokerState(b) { return BROKER_STATES[this.br(b, this.K.BR_STATE)] ?? "up"; }
  part(i, field) { return this.partitions[i * this.K.PART_STRIDE + field]; }
  /** Field of replica `slot` of partition i (REP_BROKER is -1 for an unused slot). */
  rep(i, slot, field) { return this.replicas[(i * (this.layout.replica_slots ?? 1) + slot) * this.K.REP_STRIDE + field]; }

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
    // share groups: their members read partitions without owning them (no "assigned" here)
    const K2 = this.K;
    this.shareGroupsL.forEach((sg, s) => {
      const n = Math.min(sg.members.length, budget);
      budget -= n;
      const members = [];
      for (let m = 0; m < n; m++) members.push({ name: sg.members[m], state: this.shareMemberState(s, m), processed: this.sm(s, m, K2.SM_PROCESSED), share: true });
      groups.push({ id: sg.id, share: s, members });
    });
    return { groups, truncated: this.totalMembers + this.totalShareMembers > maxMembers, totalMembers: this.totalMembers + this.totalShareMembers };
  }
}
