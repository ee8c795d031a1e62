// Share groups (KIP-932, "queues for Kafka") on the stage, in their own vocabulary. A share group has
// no partition owner: every member may read every partition it is given, the partition leader hands
// each record to one member at a time under a lock (ACQUIRED, with a lock timer), the member
// acknowledges it (ACKNOWLEDGED) or releases it — then it is AVAILABLE again and its delivery count
// climbs — until the delivery limit ARCHIVES it. The window of records in flight runs from the
// share-partition start offset (SPSO) to its end offset (SPEO).
//
// Rows mode: a lane under the shelves, one row per share-partition with its in-flight records
// coloured by state (a lock timer bar under acquired ones, the delivery count on redelivered ones),
// and the share group's members in the right column, each saying what it works on and how much it
// has processed; a line joins a member to the share-partition of the record in its hands.
// Heatmap mode: one line of totals. Everything is read from the frame of now (SP_, SM_, SG_ rows
// and the in-flight samples); nothing here changes the model.

import { STATE_COLORS } from "./palette.js";

/** Record states as the lane colours them (index = SHARE_RECORD_STATES). */
const AVAILABLE = 0, ACQUIRED = 1, ACKNOWLEDGED = 2, ARCHIVED = 3;
/** Share consumer state → the badge colour of the consumer state that looks alike. */
const BADGE = { idle: STATE_COLORS.Idle, fetching: STATE_COLORS.Fetching, processing: STATE_COLORS.Processing, paused: STATE_COLORS.Paused, crashed: STATE_COLORS.Crashed, left: STATE_COLORS.Left };
export const NO_ORDER_NOTE = "share group: no per-key ordering";
const TITLE_H = 16;

const clamp = (x, lo, hi) => Math.max(lo, Math.min(hi, x));
const laneCount = (f) => f.shareSubscribed.reduce((a, parts) => a + parts.length, 0);
const rowHeight = (H) => clamp(H * 0.045, 18, 28);

/** Height of the lane band under the shelves (0 without share groups). */
export function laneHeight(f, H) {
  const n = laneCount(f);
  if (!n) return 0;
  return Math.min(H * 0.42, f.shareGroupsL.length * (TITLE_H + 6) + n * rowHeight(H) + 6);
}

/** Where each share group's title and each share-partition's row go, inside `box` ({x0, x1, y0, h, H}). */
export function laneLayout(f, box) {
  if (!box.h) return [];
  const n = laneCount(f);
  const rh = Math.min(rowHeight(box.H), (box.h - f.shareGroupsL.length * (TITLE_H + 6) - 6) / Math.max(1, n));
  const out = [];
  let y = box.y0 + 2;
  f.shareGroupsL.forEach((_, s) => {
    const titleY = y + TITLE_H / 2;
    let ry = y + TITLE_H + 2;
    const rows = f.shareSubscribed[s].map((i) => {
      const r = { i, y: ry, h: rh };
      ry += rh;
      return r;
    });
    out.push({ s, x0: box.x0, x1: box.x1, titleY, rows });
    y = ry + 4;
  });
  return out;
}

/** Draws the lanes, the share members and the lines between them (rows mode). */
export function draw(stage, f, wall) {
  const g = stage.geom;
  const drawn = (stage._shareDrawn = { records: [], members: [], notes: [] });
  if (!f.shareGroupsL.length) return;
  const K = f.K;
  const now = stage.controller.nowMs();
  for (const lane of g.lanes ?? []) drawLane(stage, f, lane, now, drawn);
  f.shareGroupsL.forEach((sl, s) => {
    const box = g.shareGroups?.[s];
    if (!box) return;
    header(stage, f, s, box);
    for (let m = 0; m < sl.members.length; m++) member(stage, f, s, m, box.members[m], wall, drawn);
  });
  // a member → the share-partition of the record in its hands (several members per partition)
  const ctx = stage.ctx;
  ctx.lineWidth = 1.5;
  for (const lane of g.lanes ?? []) {
    const sl = f.shareGroupsL[lane.s];
    for (let m = 0; m < sl.members.length; m++) {
      const pi = f.sm(lane.s, m, K.SM_PROC_PARTITION);
      const row = lane.rows.find((r) => r.i === pi);
      const r = g.shareGroups[lane.s]?.members[m];
      if (!row || !r) continue;
      const y0 = row.y + row.h / 2, x0 = lane.x1 - 2;
      const mx = (x0 + r.x) / 2;
      ctx.strokeStyle = stage._member(m);
      ctx.globalAlpha = 0.7;
      ctx.beginPath();
      ctx.moveTo(x0, y0);
      ctx.bezierCurveTo(mx, y0, mx, r.y + r.h / 2, r.x, r.y + r.h / 2);
      ctx.stroke();
    }
  }
  ctx.globalAlpha = 1;
  ctx.lineWidth = 1;
}

function drawLane(stage, f, lane, now, drawn) {
  const th = stage.theme;
  const ctx = stage.ctx;
  const K = f.K;
  const sl = f.shareGroupsL[lane.s];
  // title: what the lane is, and the one guarantee a queue gives up
  stage._setFont(10, "600");
  const noteW = stage._width(NO_ORDER_NOTE);
  const note = stage._place("share-note", NO_ORDER_NOTE, lane.x1 - noteW, lane.titleY - 6, noteW, 12, lane.x0);
  if (note) { stage._text(NO_ORDER_NOTE, note.x, note.y + 6, { size: 10, color: th.dup, weight: "600" }); drawn.notes.push(NO_ORDER_NOTE); }
  const title = `${sl.id}: records in flight, SPSO → SPEO`;
  const tw = Math.min(stage._width(title), (note ? note.x : lane.x1) - lane.x0 - 8);
  if (tw > 40) {
    const t = stage._place("share-title", title, lane.x0, lane.titleY - 6, tw, 12, lane.x0);
    if (t) stage._text(title, t.x, t.y + 6, { size: 10, color: stage.theme.muted, weight: "600", max: tw });
  }
  const lockMs = Math.max(1, sl.lock_duration_ms);
  for (const row of lane.rows) {
    const i = row.i;
    const cy = row.y + row.h / 2;
    const spso = f.sp(lane.s, i, K.SP_START), speo = f.sp(lane.s, i, K.SP_END);
    const label = `P${f.partOfIdx[i]}`;
    stage._setFont(10, "600");
    const lw = stage._width(label);
    stage._reserve("share-partition", label, lane.x0, cy - 6, lw, 12);
    stage._text(label, lane.x0, cy, { size: 10, weight: "600" });
    const left = `${spso}`;
    stage._setFont(9, "");
    const sw = stage._width(left);
    stage._reserve("spso", left, lane.x0 + 26, cy - 5.5, sw, 11);
    stage._text(left, lane.x0 + 26, cy, { size: 9, color: th.muted });
    const rightText = `${speo}${f.sp(lane.s, i, K.SP_ARCHIVED) ? ` · archived ${f.sp(lane.s, i, K.SP_ARCHIVED)}` : ""}`;
    const rw = stage._width(rightText);
    const cellsX0 = lane.x0 + 26 + Math.max(sw, 24) + 6;
    const cellsX1 = lane.x1 - rw - 8;
    const n = f.shareSampleCount(lane.s, i);
    const cw = clamp((cellsX1 - cellsX0) / 32, 4, 16);
    const ch = Math.max(6, row.h - 8);
    const base = f.shareSampleBase(lane.s, i);
    ctx.fillStyle = th.shelf;
    ctx.fillRect(cellsX0 - 2, cy - ch / 2 - 1, cellsX1 - cellsX0 + 4, ch + 2);
    for (let j = 0; j < n; j++) {
      const st = f.shareSample(lane.s, i, j, 0);
      const dc = f.shareSample(lane.s, i, j, 1);
      const holder = f.shareSample(lane.s, i, j, 2);
      const x = cellsX0 + j * cw;
      if (x + cw > cellsX1 + 1) break;
      const y = cy - ch / 2;
      const w = cw - 1;
      if (st === ACQUIRED) {
        ctx.fillStyle = stage._member(holder >= 0 ? holder : 0);
        ctx.fillRect(x, y, w, ch - 3);
        // the lock timer: the part of group.share.record.lock.duration.ms left
        const left = clamp((f.shareSample(lane.s, i, j, 3) - now) / lockMs, 0, 1);
        ctx.fillStyle = th.dup;
        ctx.fillRect(x, y + ch - 2, Math.max(1, w * left), 2);
      } else if (st === ACKNOWLEDGED) {
        ctx.globalAlpha = 0.45;
        ctx.fillStyle = th.ok;
        ctx.fillRect(x, y, w, ch);
        ctx.globalAlpha = 1;
      } else if (st === ARCHIVED) {
        ctx.fillStyle = th.lost;
        ctx.fillRect(x, y, w, ch);
        ctx.strokeStyle = "#fff";
        ctx.beginPath();
        ctx.moveTo(x + 2, y + 2); ctx.lineTo(x + w - 2, y + ch - 2);
        ctx.moveTo(x + w - 2, y + 2); ctx.lineTo(x + 2, y + ch - 2);
        ctx.stroke();
      } else {
        ctx.fillStyle = th.panel;
        ctx.fillRect(x, y, w, ch);
        ctx.strokeStyle = th.ink;
        ctx.strokeRect(x + 0.5, y + 0.5, w - 1, ch - 1);
      }
      // a redelivered record carries its delivery count
      if (dc >= 2 && cw >= 8) stage._text(String(dc), x + w / 2, cy - 1, { size: Math.min(10, cw - 2), color: st === AVAILABLE ? th.ink : "#fff", align: "center", weight: "700" });
      drawn.records.push({ share_group: lane.s, partition: f.partOfIdx[i], offset: base + j, state: ["available", "acquired", "acknowledged", "archived"][st] ?? "?", delivery: dc, holder });
    }
    stage._setFont(9, "");
    stage._reserve("speo", rightText, lane.x1 - rw, cy - 5.5, rw, 11);
    stage._text(rightText, lane.x1 - rw, cy, { size: 9, color: f.sp(lane.s, i, K.SP_ARCHIVED) ? th.lost : th.muted });
  }
}

function header(stage, f, s, box) {
  const th = stage.theme;
  const ctx = stage.ctx;
  const K = f.K;
  stage._round(box.x, box.y, box.w, box.h, 6);
  ctx.fillStyle = th.panel;
  ctx.fill();
  ctx.strokeStyle = th.txnOpen;
  ctx.lineWidth = 1.5;
  ctx.setLineDash([5, 3]); // dashed: a queue, not a partition-owning group
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.lineWidth = 1;
  const id = f.shareGroupsL[s].id;
  stage._names.push(id, stage._text(id, box.x + 7, box.y + 10, { size: 12, weight: "700", max: box.w - 14 }));
  const line = `share group (KIP-932) · epoch ${f.sg(s, K.SG_EPOCH)}`;
  stage._setFont(10, "");
  stage._text(stage._width(line) <= box.w - 14 ? line : `share · epoch ${f.sg(s, K.SG_EPOCH)}`, box.x + 7, box.y + 25, { size: 10, color: th.muted, max: box.w - 14 });
}

function member(stage, f, s, m, r, wall, drawn) {
  if (!r) return;
  const th = stage.theme;
  const ctx = stage.ctx;
  const K = f.K;
  const state = f.shareMemberState(s, m);
  const dead = state === "crashed" || state === "left";
  const col = stage._member(m);
  ctx.globalAlpha = dead ? 0.5 : 1;
  stage._round(r.x, r.y, r.w, r.h, 8);
  ctx.fillStyle = th.panel;
  ctx.fill();
  const focused = stage.focus?.share?.[0] === s && stage.focus.share[1] === m;
  ctx.strokeStyle = focused ? th.ink : dead ? th.faint : col;
  ctx.lineWidth = focused ? 3 : 2;
  if (state === "left") ctx.setLineDash([4, 3]);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.lineWidth = 1;
  ctx.fillStyle = dead ? th.faint : col;
  ctx.fillRect(r.x + 1, r.y + 4, 4, r.h - 8);
  const big = r.h >= 40;
  stage._setFont(10, "600");
  const bw = stage._width(state) + 10;
  const name = f.shareMemberName(s, m);
  stage._names.push(name, stage._text(name, r.x + 10, r.y + (big ? 12 : r.h / 2), { size: 12, weight: "600", max: r.w - bw - 22 }));
  const by = r.y + (big ? 5 : r.h / 2 - 7);
  stage._round(r.x + r.w - bw - 6, by, bw, 14, 7);
  ctx.fillStyle = BADGE[state] ?? th.muted;
  ctx.fill();
  stage._text(state, r.x + r.w - bw / 2 - 6, by + 7.5, { size: 10, color: "#fff", align: "center", weight: "600" });
  const processed = f.sm(s, m, K.SM_PROCESSED);
  const pi = f.sm(s, m, K.SM_PROC_PARTITION);
  const dc = f.sm(s, m, K.SM_PROC_DELIVERY);
  const work = pi >= 0 ? `working on P${f.partOfIdx[pi]}@${f.sm(s, m, K.SM_PROC_OFFSET)}${dc >= 2 ? ` · delivery ${dc}` : ""}` : state;
  if (big) {
    stage._text(work, r.x + 10, r.y + 28, { size: 10, color: th.muted, max: r.w - 16 });
    if (r.h >= 52) stage._text(`${processed} processed`, r.x + 10, r.y + 42, { size: 10, color: th.muted, max: r.w - 16 });
  }
  ctx.globalAlpha = 1;
  drawn.members.push({ share_group: s, member: m, name, state, processed, work });
  stage.hits.push({ kind: "shareConsumer", group: s, member: m, x: r.x, y: r.y, w: r.w, h: r.h });
}

/** Heatmap mode: a line of totals per share group, over the detail box's last line. */
export function drawAggregate(stage, f) {
  const d = stage.geom.detail;
  if (!d || !f.shareGroupsL.length) return;
  const K = f.K;
  const text = f.shareGroupsL.map((sl, s) => `${sl.id} (share group): ${f.sg(s, K.SG_PROCESSED)} processed · ${f.sg(s, K.SG_REDELIVERIES)} redelivered · ${f.sg(s, K.SG_ARCHIVED)} archived · ${f.sg(s, K.SG_LOST)} lost`).join("   |   ");
  stage._text(`${text} · ${NO_ORDER_NOTE}`, d.x + 8, d.y + d.h - 10, { size: 10, color: stage.theme.muted, max: d.w - 16 });
}

/** Shelf status of an offset read by share group s: 0 unread, 1 in someone's hands, 3 finished. */
export function shelfStatus(f, s, i, o) {
  const spso = f.sp(s, i, f.K.SP_START);
  if (o < spso) return 3;
  const j = o - f.shareSampleBase(s, i);
  if (j < 0 || j >= f.shareSampleCount(s, i)) return 0;
  const st = f.shareSample(s, i, j, 0);
  return st === ACQUIRED ? 1 : st === ACKNOWLEDGED || st === ARCHIVED ? 3 : 0;
}
