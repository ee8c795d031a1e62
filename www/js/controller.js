// The time machine: drives one Mailroom simulation in simulated time.
//
// Model time = wall time × speed (the render loop calls tick(wallDtMs)). Rewinding never clones
// state: the core is deterministic (same scenario + seed + inputs at the same simulated times →
// identical events), so seek(t) for t in the past rebuilds the sim from the scenario and re-applies
// the recorded input log up to t. User actions are recorded as {at_ms, input}; applying one after
// rewinding forks the timeline (inputs recorded later than now are dropped), as in RaftScope.

/** Longest wall-clock gap a single frame may cover (a background tab, a debugger pause). */
const MAX_FRAME_WALL_MS = 250;
/** Most wasm `advance` calls one `step()` makes while looking for the next event. */
const STEP_MAX_TRIES = 10_000;
/** Simulated ms between "sample" snapshots while seek() replays a long stretch. */
const SEEK_SAMPLE_MS = 250;

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
    this.load(scenario, opts.inputs ?? []);
  }

  // ---- lifecycle -------------------------------------------------------------------------

  /** Replaces the scenario (throws the core's Error on a bad one) and resets time to 0. */
  load(scenario, inputs = []) {
    const sim = new this.wasm.Mailroom(scenario); // throws before anything changes
    this.sim?.free?.();
    this.sim = sim;
    this.scenarioIn = structuredClone(scenario);
    this.scenarioFull = sim.scenario();
    this.log = inputs.map((x) => ({ at_ms: x.at_ms, input: x.input })).sort((a, b) => a.at_ms - b.at_ms);
    this.logCursor = 0; // log[logCursor] is the next recorded input not yet applied
    this.maxReachedMs = 0;
    this._snap = null;
    this.emit("reset", { scenario: this.scenarioFull });
    this._drainTo(0);
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
    this.sim?.free?.();
    this.sim = null;
    this.listeners.clear();
  }

  // ---- events ----------------------------------------------------------------------------

  /**
   * Subscribes to "events" (TimedEvent[]), "reset", "input", "state", "end", and "sample" (a
   * Snapshot every 250 simulated ms while seek() replays); returns unsubscribe.
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
    return this.sim.nowMs();
  }

  /** The scenario's end (0 = none). */
  endMs() {
    return this.scenarioFull.duration_ms ?? 0;
  }

  play() {
    if (this.endMs() && this.nowMs() >= this.endMs()) return;
    if (!this.playing) { this.playing = true; this.emit("state", this.state()); }
  }

  pause() {
    if (this.playing) { this.playing = false; this.emit("state", this.state()); }
  }

  toggle() {
    this.playing ? this.pause() : this.play();
  }

  setSpeed(speed) {
    this.speed = Math.min(1000, Math.max(0.01, Number(speed) || 1));
    this.emit("state", this.state());
  }

  state() {
    return { playing: this.playing, speed: this.speed, now_ms: this.nowMs(), max_ms: this.maxReachedMs, end_ms: this.endMs() };
  }

  /** Called by the render loop with the wall-clock ms since the previous frame. */
  tick(wallDtMs) {
    if (!this.playing || !this.sim) return;
    const dt = Math.min(Math.max(0, wallDtMs), MAX_FRAME_WALL_MS) * this.speed;
    let target = this.nowMs() + dt;
    // Keep fractional ms by accumulating: the core's clock is integral.
    this._frac = (this._frac ?? 0) + (target - Math.floor(target));
    target = Math.floor(target) + Math.floor(this._frac);
    this._frac -= Math.floor(this._frac);
    const end = this.endMs();
    if (end && target >= end) {
      this._drainTo(end);
      this.pause();
      this.emit("end", { now_ms: end });
      return;
    }
    this._drainTo(target);
  }

  /** Advances to the next moment something happens (the next event), then pauses. */
  step() {
    this.pause();
    const start = this.nowMs();
    for (let i = 0; i < STEP_MAX_TRIES; i++) {
      const next = this.log[this.logCursor]?.at_ms;
      let t = this.sim.nextDeadlineMs();
      if (t === undefined || t === null) t = this.nowMs() + 1000;
      if (next !== undefined) t = Math.min(t, next);
      t = Math.max(t, this.nowMs() + 1);
      if (this.endMs()) t = Math.min(t, this.endMs());
      const n = this._drainTo(t);
      if (n > 0 || (this.endMs() && t >= this.endMs())) break;
    }
    return this.nowMs() - start;
  }

  /** Moves to simulated time `ms`: forward by advancing, backward by replaying from the seed. */
  seek(ms) {
    const target = Math.max(0, Math.floor(ms));
    if (target < this.nowMs()) {
      const sim = new this.wasm.Mailroom(this.scenarioIn);
      this.sim?.free?.();
      this.sim = sim;
      this.logCursor = 0;
      this._snap = null;
      this.emit("reset", { scenario: this.scenarioFull, seek: true });
    }
    // A long jump is replayed in slices so time-series panels (the lag chart) can sample the
    // history they would have seen while playing; the events still go out as one batch, so
    // animations only play for the moment landed on.
    const batch = [];
    if (this.listeners.get("sample")?.size) {
      for (let t = this.nowMs() + SEEK_SAMPLE_MS; t < target; t += SEEK_SAMPLE_MS) {
        batch.push(...this._drainTo(t, false));
        this.emit("sample", this.snapshot());
      }
    }
    batch.push(...this._drainTo(target, false));
    if (batch.length) this.emit("events", batch);
    this.emit("state", this.state());
  }

  // ---- inputs ----------------------------------------------------------------------------

  /**
   * Applies an Input (input.rs) now and records it. Throws the core's Error on a malformed one.
   * Applying after a rewind forks the timeline: recorded inputs later than now are dropped.
   */
  apply(input) {
    const at_ms = this.nowMs();
    this.sim.apply(input);
    this.log.length = this.logCursor; // fork: the future we rewound from is gone
    this.log.push({ at_ms, input: structuredClone(input) });
    this.logCursor = this.log.length;
    this.maxReachedMs = at_ms;
    this._snap = null;
    this.emit("input", { at_ms, input });
    // Events the input caused at this instant (e.g. ConsumerCrashed) come out of advance(now).
    this._drainTo(at_ms);
  }

  // ---- reading ---------------------------------------------------------------------------

  /** The current Snapshot (snapshot.rs); cached until time moves or an input is applied. */
  snapshot() {
    if (!this._snap) this._snap = this.sim.snapshot();
    return this._snap;
  }

  scenario() {
    return structuredClone(this.scenarioFull);
  }

  /** What a share link or an export needs to replay exactly this session. */
  session() {
    return { mailroom: 1, scenario: structuredClone(this.scenarioIn), inputs: this.log.map((x) => structuredClone(x)), at_ms: this.nowMs() };
  }

  // ---- internals -------------------------------------------------------------------------

  /** Advances to `target`, applying recorded inputs at their times; emits the events. */
  _drainTo(target, emit = true) {
    let count = 0;
    const batch = [];
    while (this.logCursor < this.log.length && this.log[this.logCursor].at_ms <= target) {
      const { at_ms, input } = this.log[this.logCursor++];
      if (at_ms > this.nowMs()) batch.push(...this.sim.advance(at_ms));
      try {
        this.sim.apply(input);
      } catch (err) {
        console.warn("recorded input refused on replay", err); // eslint-disable-line no-console
      }
    }
    if (target >= this.nowMs()) batch.push(...this.sim.advance(target));
    count = batch.length;
    this.maxReachedMs = Math.max(this.maxReachedMs, this.nowMs());
    this._snap = null;
    if (!emit) return batch;
    if (count) this.emit("events", batch);
    return count;
  }
}
