// Keys that changed partition after a topic grew, and whether that broke their order.
//
// The page never hashes a key itself (murmur2 lives in the core, bit-exact with the Java client):
// it learns each key's partition from the RecordsAppended events, which carry the partition and
// the keys. After PartitionsAdded, `murmur2(key) % n` changes for most keys, so a key's next record
// lands on another shelf while its older records still wait on the old one. Per group we then
// watch the processing: if the new record is processed before the old shelf's owner has reached
// the key's last old record, that key's order was broken — exactly the risk Kafka documents for
// adding partitions to a keyed topic.

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
    this.done = new Map(); // "g:t:p" → next offset after the highest processed
    this.version = 0;
  }

  keyName(producer, n) {
    const k = this.scenario.producers?.[producer]?.keys;
    return `${k?.prefix ?? "key"}-${n}`;
  }

  observe(ev) {
    if (ev.type === "PartitionsAdded") {
      this.grown.set(ev.topic, ev.partitions);
      this.version++;
    } else if (ev.type === "RecordsAppended") {
      this._append(ev);
    } else if (ev.type === "RecordsProcessed") {
      this._processed(ev);
    }
  }

  _append(ev) {
    ev.keys.forEach((n, i) => {
      if (n === null || n === undefined) return; // unkeyed records have no order to keep
      const key = this.keyName(ev.producer, n);
      const id = `${ev.topic}:${key}`;
      const offset = ev.base_offset + i;
      const prev = this.last.get(id);
      this.last.set(id, { partition: ev.partition, offset });
      // Without a partition change to the topic a keyed record never changes shelf; the guard
      // keeps odd setups (two producers sharing a key prefix) from inventing moves.
      if (!prev || prev.partition === ev.partition || !this.grown.has(ev.topic)) return;
      const groups = (this.scenario.groups ?? []).map(() => "pending");
      this.remaps.push({ topic: ev.topic, key, n, from: prev.partition, fromOffset: prev.offset, to: ev.partition, offset, at_ms: ev.at_ms, groups });
      if (this.remaps.length > REMAPS_KEPT) this.remaps.shift();
      this.total++;
      this.version++;
    });
  }

  _processed(ev) {
    const id = `${ev.group}:${ev.topic}:${ev.partition}`;
    const end = ev.first_offset + ev.count;
    // The verdict is taken when the key's first record on its new partition is processed:
    // had the old partition's owner already processed the key's last old record?
    for (const r of this.remaps) {
      if (r.groups[ev.group] !== "pending" || r.topic !== ev.topic || r.to !== ev.partition) continue;
      if (r.offset < ev.first_offset || r.offset >= end) continue;
      const oldDone = this.done.get(`${ev.group}:${r.topic}:${r.from}`) ?? 0;
      const ok = oldDone > r.fromOffset;
      r.groups[ev.group] = ok ? "in order" : "out of order";
      if (ok) this.inOrder++;
      else this.broken++;
      this.version++;
    }
    this.done.set(id, Math.max(this.done.get(id) ?? 0, end));
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
