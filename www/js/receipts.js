// The producer's acknowledgements drawn as receipts (shown with brokers, like brokers.js).
//
// A produce request is answered by the partition leader — at once with acks=1, once every in-sync
// replica has the batch with acks=all — and the answer is the producer's receipt: a record is
// "sent" when it left, "acked" when its receipt came back, "failed" when it never will. Each frame
// compares each producer's PR_ACKED and PR_FAILED with the last frame's: when they grew, a small
// receipt flies from the shelves back to the producer (green tick: acked; red cross: failed).
// Under each producer box a receipt stub says sent / acked / failed / in flight, and in warning
// colours the records written twice (log duplicates), acknowledged then lost, and reordered.
// The numbers are the frame's PR_* fields; only the flights are wall-time animation.

const FLIGHT_MS = 650;
const EVERY_MS = 180; // at most one receipt per producer this often (they are a sign, not a count)
const LINE_H = 12;

/** The receipt stub's lines for producer p: [text, tone] with tone "muted" | "warn" | "bad". */
export function stubLines(f, p) {
  const K = f.K;
  const sent = f.producer(p, K.PR_PRODUCED), acked = f.producer(p, K.PR_ACKED), failed = f.producer(p, K.PR_FAILED);
  const inFlight = f.producer(p, K.PR_IN_FLIGHT), dups = f.producer(p, K.PR_LOG_DUPLICATES), lost = f.producer(p, K.PR_ACKED_LOST), reordered = f.producer(p, K.PR_REORDERED);
  return [
    [`sent ${sent} · acked ${acked}`, "muted"],
    [`failed ${failed} · in flight ${inFlight}`, failed > 0 ? "bad" : "muted"],
    [`log duplicates ${dups}`, dups > 0 ? "warn" : "muted"],
    [`acked lost ${lost}${reordered > 0 ? ` · reordered ${reordered}` : ""}`, lost > 0 ? "bad" : reordered > 0 ? "warn" : "muted"],
  ];
}

export class Receipts {
  constructor() {
    this.reset();
  }

  reset() {
    this.last = []; // per producer: [acked, failed] last frame (null: take the next frame as is)
    this.flights = [];
    this.nextAt = [];
  }

  /**
   * Draws the stubs and the receipts in flight (rows mode, brokers shown). `animate` is false with
   * reduced motion or while a seek replays.
   */
  draw(stage, f, wall, animate) {
    const g = stage.geom, th = stage.theme, ctx = stage.ctx, K = f.K;
    const drawn = (stage._receiptsDrawn = { producers: [], flights: 0 });
    const P = f.layout.producers;
    for (let p = 0; p < P.length; p++) {
      const r = g.producers[p];
      if (!r) continue;
      const acked = f.producer(p, K.PR_ACKED), failed = f.producer(p, K.PR_FAILED);
      const prev = this.last[p];
      if (prev && animate && wall >= (this.nextAt[p] ?? 0) && (acked > prev[0] || failed > prev[1])) {
        this.nextAt[p] = wall + EVERY_MS;
        this.flights.push({ p, ok: failed <= prev[1], t0: wall, y0: g.rows.find((row) => !row.header && row.i === this._rowOf(f, p, acked))?.y ?? r.y });
      }
      this.last[p] = [acked, failed];
      // the stub under the producer box
      const lines = stubLines(f, p);
      let y = r.y + r.h + 4;
      const shown = [];
      for (const [text, tone] of lines) {
        stage._setFont(9.5, tone === "muted" ? "" : "700");
        const t = stage._fit(text, r.w - 4);
        const w = stage._width(t);
        if (y + LINE_H > g.H - g.pad || stage._hitLabel(r.x + 2, y, w, LINE_H)) break;
        stage._reserve("receipt", t, r.x + 2, y, w, LINE_H);
        stage._text(t, r.x + 2, y + LINE_H / 2, { size: 9.5, weight: tone === "muted" ? "" : "700", color: tone === "bad" ? th.lost : tone === "warn" ? th.dup : th.muted });
        // a non-zero "log duplicates" / "acked lost" line opens the Why? panel for this producer
        const why = tone === "muted" ? null : text.startsWith("log duplicates") ? "log-duplicate" : text.startsWith("acked lost") && f.producer(p, K.PR_ACKED_LOST) > 0 ? "acked-lost" : null;
        if (why) stage.hits.push({ kind: "why", why: { kind: why, owner: P[p].id }, x: r.x, y, w: w + 4, h: LINE_H });
        shown.push(t);
        y += LINE_H;
      }
      drawn.producers.push({ producer: p, lines: shown });
    }
    // receipts flying back to their producer
    this.flights = this.flights.filter((fl) => wall - fl.t0 < FLIGHT_MS);
    for (const fl of this.flights) {
      const r = g.producers[fl.p];
      if (!r) continue;
      const t = (wall - fl.t0) / FLIGHT_MS;
      const e = t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2;
      const x = g.midX0 + (r.x + r.w - 12 - g.midX0) * e;
      const y = fl.y0 + (r.y + r.h / 2 - 6 - fl.y0) * e;
      ctx.globalAlpha = 1 - t * 0.4;
      ctx.fillStyle = th.panel;
      ctx.fillRect(x, y, 10, 12);
      ctx.strokeStyle = fl.ok ? "#2e7d32" : th.lost;
      ctx.lineWidth = 1.5;
      ctx.strokeRect(x, y, 10, 12);
      ctx.beginPath();
      if (fl.ok) { ctx.moveTo(x + 2, y + 6); ctx.lineTo(x + 4.5, y + 9); ctx.lineTo(x + 8, y + 3); } else { ctx.moveTo(x + 2.5, y + 3); ctx.lineTo(x + 7.5, y + 9); ctx.moveTo(x + 7.5, y + 3); ctx.lineTo(x + 2.5, y + 9); }
      ctx.stroke();
      ctx.lineWidth = 1;
      ctx.globalAlpha = 1;
    }
    drawn.flights = this.flights.length;
  }

  /** A partition of the producer's topic to start the receipt from (turns with the count). */
  _rowOf(f, p, n) {
    const t = f.layout.topics[f.layout.producers[p].topic];
    return t ? t.base + (n % t.partitions) : -1;
  }
}
