// The controller: a thin wrapper over the model's time machine (wasm `Player`, see
// docs/frame-contract.md and core/src/player.rs).
//
// Model time = wall time × speed. Each animation frame the view calls tick(wallDtMs): the
// controller asks the Player to `run` toward the new target under a *step budget* sized so the
// model's work stays within FRAME_MODEL_MS, refreshes the frame arrays (read as typed views by the
// stage and panels, see frame.js) and hands the human-scale story events to the listeners. When
// the model cannot keep up, time simply advances less than asked and `state().effective` says
// at what speed it really runs ("running at 0.4× real time").
//
// Rewinding restores the newest checkpoint at or before the target (the core keeps them) and
// replays at most one checkpoint interval; a long seek continues over frames (`state().seeking`).
// User actions are recorded as {at_ms, input}; applying one after rewinding forks the timeline.
//
// A panic in the model (a wasm trap) is caught on every call: the controller stops, emits
// "panic" and `recover()` rebuilds the session from its last good inputs on a fresh wasm module.

import { loadWasm } from "./wasm.js";
import { FrameView } from "./frame.js";

/** Longest wall-clock gap a single frame may cover (a background tab, a debugger pause). */
const MAX_FRAME_WALL_MS = 250;
/** Model work one animation frame aims at, in ms. */
export const FRAME_MODEL_MS = 4;
/** Model work one frame spends continuing a long seek, in ms. */
const FRAME_SEEK_MS = 10;
/** A seek from the API runs this long synchronously before continuing over frames. */
const SYNC_SEEK_MS = 250;
/** Step budgets: bounds of the adaptive budget, and the first guess. */
const BUDGET_MIN = 64;
const BUDGET_MAX = 4_000_000;
const BUDGET_START = 4000;
/** Steps `step()` may spend looking for the next story event. */
const STEP_BUDGET = 200_000;
/** Window over which the effective speed is measured, in wall ms. */
const EFFECTIVE_WINDOW_MS = 1000;
/** Sim ms per slice while replaying with per-record trackers on (so the envelope ring never wraps). */
const TRACKED_SLICE_MS = 500;
/** Per-record trackers (remapped keys) need every partition's tail: only up to this many. */
export const KEY_TRACK_MAX_PARTITIONS = 64;

/** Whether an exception from a Player call is a model panic (a trap) rather than a refused input. */
export function isPanic(err) {
  if (typeof WebAssembly !== "undefined" && err instanceof WebAssembly.RuntimeError) return true;
  if (err instanceof RangeError) return true; // stack overflow inside wasm
  const m = String(err?.message ?? err);
  return /unreachable|recursive use of an object|null pointer passed to rust|attempted to take ownership|memory access out of bounds/i.test(m);
}

export class Controller {
  /**
   * @param {object} wasm  the binding module (from loadWasm())
   * @param {object} scenario  a scenario object (scenario.rs); validated by the core
   * @param {object} [opts]  { inputs: recorded [{at_ms, input}], speed }
   */
  constructor(wasm, scenario, opts = {}) {
    this.wasm = wasm;
    this.listeners = new Map();
    this.speed = opts.speed ?? 1;
    this.playing = false;
    this.budget = BUDGET_START;
    this.seekBudget = BUDGET_START * 4;
    this.tailRange = [0, 0]; // partitions whose record tails the stage draws
    this.load(scenario, opts.inputs ?? []);
  }

  // ---- lifecycle -------------------------------------------------------------------------

  /** Replaces the scenario (throws the core's Error on a bad one) and resets time to 0. */
  load(scenario, inputs = []) {
    const log = inputs.map((x) => ({ at_ms: x.at_ms, input: x.input })).sort((a, b) => a.at_ms - b.at_ms);
    const player = this._guard(() => new this.wasm.Player(scenario, log)); // throws before anything changes
    if (!player) return this;
    this._free();
    this.player = player;
    this.broken = null;
    this.scenarioIn = structuredClone(scenario);
    this.scenarioFull = player.scenario();
    this.log = log;
    this.task = null;
    this.lastGoodMs = 0;
    this.frame = new FrameView(this.wasm, player);
    this.keyTracking = this.frame.total <= KEY_TRACK_MAX_PARTITIONS;
    this._eff = { wall: 0, sim: 0, short: false, samples: [] };
    this.effective = { speed: this.speed, behind: false };
    this._snap = null;
    this.storyDropped = 0;
    this.emit("reset", { scenario: this.scenarioFull });
    this._drainStory();
    this.refresh();
    this.emit("state", this.state());
    return this;
  }

  /** Same scenario, same recorded inputs, back to time 0 (a replay). */
  restart() {
    this.load(this.scenarioIn, this.log);
  }

  /** Clears the recorded inputs and starts over from the scenario alone. */
  reset() {
    this.load(this.scenarioIn, []);
  }

  destroy() {
    this.pause();
    this._free();
    this.listeners.clear();
  }

  _free() {
    try { this.player?.free?.(); } catch { /* a panicked instance may refuse; it is dropped anyway */ }
    this.player = null;
  }

  // ---- panics ----------------------------------------------------------------------------

  /** Runs a Player call; a panic becomes the "panic" state instead of an exception. */
  _guard(fn) {
    if (this.broken) return undefined;
    try {
      return fn();
    } catch (err) {
      if (!isPanic(err)) throw err;
      this._panicked(err);
      return undefined;
    }
  }

  _panicked(err) {
    this.broken = { message: String(err?.message ?? err), at_ms: this.lastGoodMs };
    this.playing = false;
    this.task = null;
    this.frame = null;
    this.player = null; // never called again: a panicked instance may hold borrowed state
    this.emit("panic", this.broken);
    this.emit("state", this.state());
  }

  /**
   * Restarts from the last good inputs after a panic: a fresh wasm module instance, the same
   * scenario and recorded inputs, then a seek back to the last good time. Resolves to this.
   */
  async recover() {
    const at = this.broken?.at_ms ?? this.lastGoodMs;
    this.wasm = await loadWasm({ fresh: true });
    this.broken = null;
    this.load(this.scenarioIn, this.log);
    if (at) this.seek(at);
    this.emit("recovered", { at_ms: at });
    return this;
  }

  /** Panics the model on purpose (tests the recovery path end to end). */
  debugPanic() {
    this._guard(() => this.wasm.debugPanic());
  }

  // ---- events ----------------------------------------------------------------------------

  /**
   * Subscribes to "events" (story TimedEvent[]: rebalances, assignments, crashes, failed commits,
   * duplicates, losses, transactions; record traffic is in the frame, not here), "frame" (the
   * frame arrays were refreshed; payload: the FrameView), "reset" ({scenario, seek?}: a load, or
   * a backward seek that restored a checkpoint), "input", "state", "end", "note" ({text}: a seek
   * clamped or refused), "progress" ({now_ms, target_ms}: a seek continuing over frames),
   * "panic" ({message}) and "recovered"; returns unsubscribe.
   */
  on(name, fn) {
    if (!this.listeners.has(name)) this.listeners.set(name, new Set());
    this.listeners.get(name).add(fn);
    return () => this.listeners.get(name)?.delete(fn);
  }

  emit(name, payload) {
    for (const fn of this.listeners.get(name) ?? []) {
      try {
        fn(payload, this);
      } catch (err) {
        // One broken listener (e.g. a docs author's script) must not stop the simulation.
        console.error(err); // eslint-disable-line no-console
      }
    }
  }

  // ---- time ------------------------------------------------------------------------------

  nowMs() {
    if (!this.player) return this.broken?.at_ms ?? 0;
    return this._guard(() => this.player.nowMs()) ?? this.lastGoodMs;
  }

  /** The scenario's end (0 = none). */
  endMs() {
    return this.scenarioFull?.duration_ms ?? 0;
  }

  /** The furthest time reached on this timeline. */
  get maxReachedMs() {
    if (!this.player) return this.lastGoodMs;
    return this._guard(() => this.player.maxReachedMs()) ?? this.lastGoodMs;
  }

  play() {
    if (this.broken) return;
    if (this.endMs() && this.nowMs() >= this.endMs()) return;
    if (!this.playing) { this.playing = true; this._eff = { wall: 0, sim: 0, short: false, samples: [] }; this.emit("state", this.state()); }
  }

  pause() {
    if (this.playing) { this.playing = false; this.emit("state", this.state()); }
  }

  toggle() {
    this.playing ? this.pause() : this.play();
  }

  setSpeed(speed) {
    this.speed = Math.min(1000, Math.max(0.01, Number(speed) || 1));
    this._eff = { wall: 0, sim: 0, short: false, samples: [] };
    this.emit("state", this.state());
  }

  /**
   * {playing, speed, now_ms, max_ms, end_ms, effective: {speed, behind}, seeking: {now_ms,
   * target_ms}|null, broken: {message}|null, budget}
   */
  state() {
    const now = this.nowMs();
    return {
      playing: this.playing, speed: this.speed, now_ms: now, max_ms: this.maxReachedMs, end_ms: this.endMs(),
      effective: this.effective, seeking: this.task ? { now_ms: now, target_ms: this.task.target } : null,
      broken: this.broken, budget: Math.round(this.budget),
    };
  }

  /** Called by the render loop with the wall-clock ms since the previous frame. */
  tick(wallDtMs) {
    if (!this.player || this.broken) return;
    if (this.task) { this._continueSeek(FRAME_SEEK_MS); return; }
    if (!this.playing) return;
    const wall = Math.min(Math.max(0, wallDtMs), MAX_FRAME_WALL_MS);
    const now = this.nowMs();
    // Keep fractional ms by accumulating: the core's clock is integral.
    this._frac = (this._frac ?? 0) + wall * this.speed;
    let target = now + Math.floor(this._frac);
    this._frac -= Math.floor(this._frac);
    const end = this.endMs();
    if (end) target = Math.min(target, end);
    // A lesson's next narrated step: play stops exactly on its moment, however long the frame
    // was (a slow frame at speed 5 would otherwise carry the model a second past it).
    const hold = this.holdAtMs;
    if (hold !== undefined && now < hold && target > hold) { target = hold; this._frac = 0; }
    const t0 = performance.now();
    const reached = this._guard(() => this.player.run(target, this.budget));
    if (reached === undefined) return;
    const spent = performance.now() - t0;
    const short = reached < target;
    this._adapt(spent, short);
    this._measure(wall, reached - now, short);
    this.lastGoodMs = reached;
    this._afterMove(reached !== now);
    if (end && reached >= end) {
      this.pause();
      this.emit("end", { now_ms: end });
    }
  }

  /** Resizes the step budget from the measured cost of this call (time per step, in effect). */
  _adapt(spent, budgetRanOut) {
    const ms = Math.max(spent, 0.05);
    if (budgetRanOut) this.budget *= Math.min(2, Math.max(0.5, FRAME_MODEL_MS / ms));
    else if (spent > FRAME_MODEL_MS) this.budget *= Math.max(0.5, FRAME_MODEL_MS / ms);
    this.budget = Math.min(BUDGET_MAX, Math.max(BUDGET_MIN, this.budget));
  }

  /** Effective speed over the last second: simulated ms advanced ÷ wall ms elapsed. */
  _measure(wall, simMs, short) {
    const e = this._eff;
    e.samples.push({ wall, sim: simMs, short });
    e.wall += wall;
    e.sim += simMs;
    while (e.samples.length > 1 && e.wall - e.samples[0].wall >= EFFECTIVE_WINDOW_MS) {
      const s = e.samples.shift();
      e.wall -= s.wall;
      e.sim -= s.sim;
    }
    if (e.wall < 300) return;
    const speed = e.sim / e.wall;
    const anyShort = e.samples.some((s) => s.short);
    const behind = anyShort && speed < this.speed * 0.9;
    if (behind !== this.effective.behind || Math.abs(speed - this.effective.speed) > this.speed * 0.05) {
      this.effective = { speed: behind ? speed : this.speed, behind };
      this.emit("state", this.state());
    }
  }

  /** Advances to the next moment a story event happens, then pauses. Returns the ms advanced. */
  step() {
    this.pause();
    this._cancelSeek();
    const start = this.nowMs();
    const reached = this._guard(() => this.player.step(STEP_BUDGET));
    if (reached === undefined) return 0;
    this.lastGoodMs = reached;
    this._afterMove(true);
    this.emit("state", this.state());
    return reached - start;
  }

  /**
   * Moves to simulated time `ms`: backwards from the newest checkpoint at or before it (never a
   * replay from 0), forwards by running. Runs up to SYNC_SEEK_MS now and continues over frames
   * while not done. Past the scenario's end (or the longest simulable time) the target is clamped
   * and a "note" says so; a non-finite or negative time is refused with a note.
   * Returns {now_ms, target_ms, done, note}.
   */
  seek(ms) {
    if (!this.player || this.broken) return { now_ms: this.nowMs(), target_ms: this.nowMs(), done: true, note: null };
    const n = Number(ms);
    if (!Number.isFinite(n) || n < 0) {
      const note = `seek: needs a finite number of milliseconds ≥ 0, got ${String(ms)}; stayed at ${this.nowMs()} ms`;
      this.emit("note", { text: note, bad: true });
      return { now_ms: this.nowMs(), target_ms: this.nowMs(), done: true, note };
    }
    this._cancelSeek();
    const before = this.nowMs();
    // One step of work: restores the checkpoint (if backwards) and clamps the target.
    const out = this._guard(() => this.player.seek(Math.floor(n), 1));
    if (!out) return { now_ms: this.nowMs(), target_ms: this.nowMs(), done: true, note: null };
    if (out.target_ms < before) {
      this._snap = null;
      this.refresh();
      this.emit("reset", { scenario: this.scenarioFull, seek: true, at_ms: this.nowMs() });
    }
    if (out.note) this.emit("note", { text: out.note, bad: false });
    this.task = { target: out.target_ms, note: out.note ?? null };
    this._continueSeek(SYNC_SEEK_MS);
    return { now_ms: this.nowMs(), target_ms: out.target_ms, done: !this.task, note: out.note ?? null };
  }

  _cancelSeek() {
    if (this.task) { this.task = null; this.emit("state", this.state()); }
  }

  /** Continues the current seek for at most `timeMs` of wall time. */
  _continueSeek(timeMs) {
    const task = this.task;
    if (!task) return;
    const t0 = performance.now();
    let now = this.nowMs();
    while (now < task.target) {
      const sliceTarget = this.keyTracking ? Math.min(task.target, now + TRACKED_SLICE_MS) : task.target;
      const c0 = performance.now();
      const reached = this._guard(() => this.player.run(sliceTarget, this.seekBudget));
      if (reached === undefined) return;
      const spent = performance.now() - c0;
      // aim each call at ~5 ms so the time check below stays fine-grained
      if (reached < sliceTarget) this.seekBudget *= Math.min(2, Math.max(0.5, 5 / Math.max(spent, 0.05)));
      else if (spent > 5) this.seekBudget *= Math.max(0.5, 5 / spent);
      this.seekBudget = Math.min(BUDGET_MAX, Math.max(BUDGET_MIN, this.seekBudget));
      now = reached;
      this.lastGoodMs = now;
      this._drainStory();
      if (this.keyTracking) this.refresh();
      if (performance.now() - t0 >= timeMs) break;
    }
    if (this.broken) return;
    if (now >= task.target) this.task = null;
    this._afterMove(true);
    if (this.task) this.emit("progress", { now_ms: now, target_ms: task.target });
    this.emit("state", this.state());
  }

  // ---- inputs ----------------------------------------------------------------------------

  /**
   * Applies an Input (input.rs) now and records it. Throws the core's Error on a malformed one.
   * Applying after a rewind forks the timeline: recorded inputs later than now are dropped.
   */
  apply(input) {
    if (!this.player || this.broken) return;
    this._cancelSeek();
    const at_ms = this.nowMs();
    const ok = this._guard(() => { this.player.apply(input); return true; }); // a refused input throws here
    if (!ok) return;
    this.log = this.log.filter((x) => x.at_ms <= at_ms); // fork: the future we rewound from is gone
    this.log.push({ at_ms, input: structuredClone(input) });
    this.emit("input", { at_ms, input });
    this._afterMove(true);
    this.emit("state", this.state());
  }

  // ---- reading ---------------------------------------------------------------------------

  /**
   * Fills the frame arrays for now (record tails for `tailRange`, or for every partition while
   * the per-record trackers run) and tells the "frame" listeners. Cheap; once per frame at most.
   */
  refresh() {
    if (!this.player) return;
    const total = this.frame.total;
    let [from, to] = this.tailRange;
    if (this.keyTracking) { from = 0; to = total; }
    from = Math.max(0, Math.min(from, total));
    to = Math.max(from, Math.min(to, total));
    if (this._guard(() => { this.player.refresh(from, to); return true; })) {
      this.frame.sync();
      this.emit("frame", this.frame);
    }
  }

  /** The current Snapshot (snapshot.rs): the slow serde lane, for tests and the docs API. */
  snapshot() {
    if (!this._snap && this.player) this._snap = this._guard(() => this.player.snapshot());
    return this._snap;
  }

  scenario() {
    return structuredClone(this.scenarioFull);
  }

  /** What a share link or an export needs to replay exactly this session. */
  session() {
    return { mailroom: 1, scenario: structuredClone(this.scenarioIn), inputs: this.log.map((x) => structuredClone(x)), at_ms: this.nowMs() };
  }

  /**
   * Why each duplicate, loss, acknowledged loss, log duplicate, share redelivery and archived
   * record up to now happened (Player.explain: a bounded replay from 0 with a cause recorder):
   * {cases: [{kind, group|producer|share_group, topic, partition, offset, records, at_ms, summary,
   * steps: [{at_ms, text}]}], total, reached_ms, complete}.
   */
  explain(budgetSteps) {
    if (!this.player) return null;
    return this._guard(() => this.player.explain(budgetSteps)) ?? null;
  }

  /** Per-group delivery totals (serde; for tests and the docs API). */
  stats() {
    return this._guard(() => this.player.stats());
  }

  // ---- internals -------------------------------------------------------------------------

  _afterMove(moved) {
    if (moved) this._snap = null;
    this._drainStory();
    this.refresh();
  }

  /** Hands the story events collected since the last call to the "events" listeners. */
  _drainStory() {
    const batch = this._guard(() => this.player.story());
    if (batch?.length) this.emit("events", batch);
    const dropped = this._guard(() => this.player.storyDropped()) ?? 0;
    if (dropped > (this.storyDropped ?? 0)) this.emit("note", { text: `${dropped - (this.storyDropped ?? 0)} older events were too many to show`, bad: false, quiet: true });
    this.storyDropped = dropped;
  }
}
