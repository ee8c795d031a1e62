// Keys that changed partition after a topic grew, and whether that broke their order.
//
// The page never hashes a key itself (murmur2 lives in the core, bit-exact with the Java client):
// it learns each key's partition from the frame (frame.js): the envelope ring's appends say which
// partition got which offsets, in order, and the partition's record tail says each offset's key.
// After PartitionsAdded, `murmur2(key) % n` changes for most keys, so a key's next record lands on
// another shelf while its older records still wait on the old one. Per group we then watch the
// processing (GP_PROCESSED_END): if the new record is processed before the old shelf's owner has
// reached the key's last old record, that key's order was broken — exactly the risk Kafka
// documents for adding partitions to a keyed topic.
//
// Exact while the ring and the tails cover every append between two frames (the controller
// replays seeks in short slices for this); it runs only for topics of at most
// KEY_TRACK_MAX_PARTITIONS partitions (controller.js), where the tails of all are cheap.

import { ENVELOPE } from "./frame.js";

const REMAPS_KEPT = 200;

export class KeyRemapTracker {
  constructor(scenario) {
    this.reset(scenario);
  }

  reset(scenario) {
    this.scenario = scenario ?? {};
    this.last = new Map(); // "topic:keyName" → { partition, offset }
    this.grown = new Map(); // topic → partition count after the latest PartitionsAdded
    this.remaps = []; // newest last; see _append
    this.total = 0;
    this.broken = 0; // (remap, group) pairs processed out of order
    this.inOrder = 0;
    this.seenSeq = 0; // envelope sequence already read
    this.pending = 0; // (remap, group) verdicts not taken yet
    this.version = 0;
  }

  /** After a backward seek: every record still in the tails is a key's latest known place. */
  seed(frame) {
    if (!frame) return;
    for (let i = 0; i < frame.total; i++) {
      const base = frame.tailBase(i);
      if (base < 0) continue;
      const t = frame.topicOfIdx[i], p = frame.partOfIdx[i];
      for (let o = base; o < base + frame.tailCount(i); o++) {
        const k = frame.keyAt(i, o);
        if (k === null || k === undefined) continue;
        // producers share a key space per prefix; the first keyed producer of the topic names it
        const pr = (this.scenario.producers ?? []).findIndex((x) => x.topic === frame.layout.topics[t].name);
        this.last.set(`${t}:${this.keyName(Math.max(0, pr), k)}`, { partition: p, offset: o });
      }
    }
    this.seenSeq = frame.envSeq;
  }

  /** Reads the appends sampled since the last frame, then takes any verdict now decidable. */
  observeFrame(f) {
    if (f.total > 64) { this.seenSeq = f.envSeq; return; }
    const E = f.envelopes;
    this.seenSeq = f.envelopesAfter(this.seenSeq, (row) => {
      if (E[row + 1] !== ENVELOPE.APPEND) return;
      const producer = E[row + 2], topic = E[row + 4], partition = E[row + 5], lastOff = E[row + 6], count = E[row + 8], at = E[row + 9];
      const i = f.index(topic, partition);
      for (let o = lastOff - count + 1; o <= lastOff; o++) {
        const n = f.keyAt(i, o);
        if (n !== null && n !== undefined) this._append(producer, topic, partition, o, n, at);
      }
    });
    if (this.pending) this._verdicts(f);
  }

  keyName(producer, n) {
    const k = this.scenario.producers?.[producer]?.keys;
    return `${k?.prefix ?? "key"}-${n}`;
  }

  observe(ev) {
    if (ev.type === "PartitionsAdded") {
      this.grown.set(ev.topic, ev.partitions);
      this.version++;
    }
  }

  _append(producer, topic, partition, offset, n, at_ms) {
    const key = this.keyName(producer, n);
    const id = `${topic}:${key}`;
    const prev = this.last.get(id);
    this.last.set(id, { partition, offset });
    // Without a partition change to the topic a keyed record never changes shelf; the guard
    // keeps odd setups (two producers sharing a key prefix) from inventing moves.
    if (!prev || prev.partition === partition || !this.grown.has(topic)) return;
    const groups = (this.scenario.groups ?? []).map(() => "pending");
    this.pending += groups.length;
    this.remaps.push({ topic, key, n, from: prev.partition, fromOffset: prev.offset, to: partition, offset, at_ms, groups });
    if (this.remaps.length > REMAPS_KEPT) this.remaps.shift();
    this.total++;
    this.version++;
  }

  /**
   * The verdict is taken when the key's first record on its new partition has been processed:
   * had the old partition's owner already processed the key's last old record?
   */
  _verdicts(f) {
    const PE = f.K.GP_PROCESSED_END;
    let pending = 0;
    for (const r of this.remaps) {
      r.groups.forEach((v, g) => {
        if (v !== "pending" || g >= f.layout.groups.length) return;
        const newDone = f.gp(g, f.index(r.topic, r.to), PE);
        if (!(newDone > r.offset)) { pending++; return; }
        const ok = f.gp(g, f.index(r.topic, r.from), PE) > r.fromOffset;
        r.groups[g] = ok ? "in order" : "out of order";
        if (ok) this.inOrder++;
        else this.broken++;
        this.version++;
      });
    }
    this.pending = pending;
  }

  /** The newest remaps (for drawing), newest last. */
  recent(n = 12) {
    return this.remaps.slice(-n);
  }

  /** One line for the readout, or "" when the topic never grew. */
  describe() {
    if (!this.grown.size) return "";
    const parts = [...this.grown].map(([t, n]) => `${this.scenario.topics?.[t]?.name ?? `topic ${t}`} grew to ${n} partitions`);
    const ex = this.remaps.slice(-3).map((r) => `${r.key}: P${r.from} → P${r.to}`).join(", ");
    let s = `${parts.join("; ")} · ${this.total} key${this.total === 1 ? "" : "s"} remapped${ex ? ` (${ex})` : ""}`;
    if (this.broken) s += ` · per-key order broken ${this.broken}×`;
    return s;
  }
}
