// Types of the Mailroom widget's API (the bundle is www/js/widget.js, bundled by
// scripts/build-widget.mjs). The scenario and input types come from ./scenario.js, which the build
// generates from docs/scenario.schema.json, and the scene names
// (./scenes.js) from www/js/scenes.js: they are not written here.
import type { Scenario, Input, TimedInput, Strategy } from "./scenario.js";
import type { SceneName } from "./scenes.js";

export type { Scenario, Input, TimedInput, Strategy } from "./scenario.js";
export type { SceneName } from "./scenes.js";
export type {
  Topic, Producer, Group, KeyMode, Name, U32, U64, DurationMs, PositiveDurationMs, RatePerSec,
} from "./scenario.js";

/** What a share link or an export holds: a scenario, the inputs applied to it, and a time. */
export interface Session {
  mailroom?: 1;
  scenario: Scenario;
  inputs?: TimedInput[];
  at_ms?: number;
  /** The guided scene it was made in (restores the narration). */
  scene?: string;
  step?: number;
}

export type Controls = "none" | "basic" | "full";
export type Theme = "light" | "dark" | "auto";

export interface MountOptions {
  /** A scene name, a URL of a scenario or session JSON (same origin), or a scenario/session object. Default: the default scenario. */
  scenario?: SceneName | (string & {}) | Scenario | Session;
  /** `true` = "basic". Default "none" (the stage and a play button only). */
  controls?: boolean | Controls;
  /** Start playing at once. */
  autoplay?: boolean;
  /** CSS height of the widget, e.g. "460px". */
  height?: string;
  theme?: Theme;
  /** Let Space and the arrow keys work anywhere on the page (the full page does), not only inside the widget. */
  globalKeys?: boolean;
  /** Simulated ms per wall ms (0.01–1000). */
  speed?: number;
  /** Where "Share link" points (a page that reads `#z=`); default: the full page next to the bundle. */
  shareBase?: string;
  /**
   * Show a what-if sweep chart instead of the simulator: `PATH=VALUES`, e.g.
   * `"groups[0].consumers=1..8"`, `"producers[0].rate_per_sec=50,100,200"` (see docs/sweep.md).
   * `mount` then resolves to a {@link SweepHandle}.
   */
  sweep?: string;
  /** The figures charted, comma-separated (default all): see {@link SweepFigure}. */
  sweepFigure?: string;
  /** Seeds per value (1–64, default 1). */
  sweepSeeds?: number | string;
}

/** A figure a sweep reports per group (docs/sweep.md defines each). */
export type SweepFigure = "max_lag" | "p99_lag" | "latency_p50_ms" | "latency_p99_ms" | "duplicates" | "lost" | "rebalances" | "downtime_ms";

/** One group's figures in one sweep run. */
export interface GroupFigures {
  group: string; produced: number; processed: number; max_lag: number; worst_lag_at_ms: number;
  p99_lag: number | null; latency_p50_ms: number | null; latency_p99_ms: number | null; latency_exact: boolean;
  duplicates: number; lost: number; rebalances: number; downtime_ms: number;
}

/** One run of a sweep: the value, the seed and each group's figures. */
export interface SweepRun { value_index: number; value: string; seed_index: number; seed: number; end_ms: number; groups: GroupFigures[] }

/** What `mount` resolves to for a sweep chart. */
export interface SweepHandle {
  /** Filled as runs finish: the varied path, its values, and the runs. */
  sweep: { path: string; values: string[]; results: SweepRun[] };
  /** Resolves when every run finished (rejects with "path: reason" for a bad spec). */
  done: Promise<{ path: string; values: string[]; results: SweepRun[] }>;
  destroy(): void;
}

/** The attributes of `<kafka-mailroom>` (all strings in HTML; presence counts for the booleans). */
export interface KafkaMailroomAttributes {
  scenario?: SceneName | (string & {});
  /** Present and empty = "basic". */
  controls?: "" | Controls;
  autoplay?: "" | boolean;
  height?: string;
  theme?: Theme;
  /** A what-if sweep chart instead of the simulator, e.g. "groups[0].consumers=1..8". */
  sweep?: string;
  /** Figures charted, comma-separated, e.g. "max_lag,latency_p99_ms" (default all). */
  "sweep-figure"?: string;
  /** Seeds per value (default 1). */
  "sweep-seeds"?: string;
}

export interface ControllerState {
  playing: boolean;
  speed: number;
  now_ms: number;
  max_ms: number;
  end_ms: number;
  effective: { speed: number; behind: boolean } | null;
  seeking: { now_ms: number; target_ms: number } | null;
  broken: PanicInfo | null;
  budget: number;
}

export interface SeekResult { now_ms: number; target_ms: number; done: boolean; note: string | null }
export interface PanicInfo { message: string; at_ms: number }

/** A story event (rebalances, assignments, crashes, commits, duplicates, losses, transactions): core/src/event.rs. */
export interface StoryEvent { at_ms: number; type: string; [field: string]: unknown }

/** Payload of each event name of `on()`. */
export interface ControllerEvents {
  events: StoryEvent[];
  /** The frame arrays were refreshed (typed views over wasm memory; see docs/frame-contract.md). */
  frame: unknown;
  reset: { scenario: Scenario; seek?: boolean; at_ms?: number };
  input: TimedInput;
  state: ControllerState;
  end: { now_ms: number };
  note: { text: string; bad: boolean; quiet?: boolean };
  progress: { now_ms: number; target_ms: number };
  panic: PanicInfo;
  recovered: { at_ms: number };
}
export type ControllerEventName = keyof ControllerEvents;

export type ConsumerState = "Joining" | "Idle" | "Fetching" | "Processing" | "Committing" | "Paused" | "Crashed" | "Left";
export type GroupState = "Empty" | "PreparingRebalance" | "CompletingRebalance" | "Stable";

/** `snapshot()`: the whole simulation at one instant (core/src/snapshot.rs; the commonly read fields). */
export interface Snapshot {
  now_ms: number;
  topics: { name: string; partitions: { log_start_offset: number; log_end_offset: number; last_stable_offset: number }[] }[];
  producers: { id: string; topic: number; rate_per_sec: number; key_prefix: string | null; produced: number }[];
  groups: {
    id: string;
    state: GroupState;
    generation: number;
    strategy: Strategy | null;
    cooperative: boolean;
    leader: number | null;
    members: {
      name: string;
      member_id: string;
      instance_id: string | null;
      state: ConsumerState;
      /** [topic index, partition] pairs. */
      assigned: [number, number][];
      pending: number;
      processed: number;
      generation: number;
    }[];
    partitions: { topic: number; partition: number; owner: number | null; committed: number | null; lag: number; downtime_ms: number }[];
    processed: number;
    duplicates: number;
    lost: number;
    rebalances: number;
    max_lag: number;
  }[];
  consumer_offsets: { group: number; topic: number; partition: number; offset: number; committed_at_ms: number }[];
}

/** What `mount()` resolves to, and what `<kafka-mailroom>`'s `ready` promise gives. */
export interface MailroomController {
  readonly playing: boolean;
  play(): void;
  pause(): void;
  toggle(): void;
  /** Runs to the next story event and pauses; returns the simulated ms advanced. */
  step(): number;
  /** Moves to simulated time `ms` (backwards from a checkpoint, forwards by running). */
  seek(ms: number): SeekResult;
  /** Applies an input now (and records it). Throws the core's Error on a malformed one. */
  apply(input: Input): void;
  snapshot(): Snapshot | undefined;
  /** Subscribes; returns the function that unsubscribes. */
  on<K extends ControllerEventName>(name: K, fn: (payload: ControllerEvents[K], controller: MailroomController) => void): () => void;
  state(): ControllerState;
  nowMs(): number;
  endMs(): number;
  setSpeed(speed: number): void;
  /** The scenario with every default filled in. */
  scenario(): Scenario;
  /** What a share link needs to replay this session exactly. */
  session(): Session;
  /** After a "panic": restarts from the last good inputs on a fresh wasm instance. */
  recover(): Promise<MailroomController>;
  destroy(): void;
}

/** Mounts a Mailroom view into `element` (inside a shadow root). */
export function mount(element: HTMLElement, options: MountOptions & { sweep: string }): Promise<SweepHandle>;
export function mount(element: HTMLElement, options?: MountOptions): Promise<MailroomController>;

export interface KafkaMailroomEventMap extends HTMLElementEventMap {
  ready: CustomEvent<MailroomController>;
}

/** `<kafka-mailroom>`: registered when the package is imported. Same methods as the controller. */
export class KafkaMailroom extends HTMLElement {
  /** Resolves when the simulation is running (rejects if it could not start; the widget shows why). */
  ready: Promise<MailroomController>;
  controller: MailroomController | null;
  play(): void;
  pause(): void;
  step(): number | undefined;
  seek(ms: number): void;
  apply(input: Input): void;
  snapshot(): Snapshot | undefined;
  on<K extends ControllerEventName>(name: K, fn: (payload: ControllerEvents[K], controller: MailroomController) => void): (() => void) | undefined;
  addEventListener<K extends keyof KafkaMailroomEventMap>(type: K, listener: (this: KafkaMailroom, ev: KafkaMailroomEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

/** Turns a `scenario` option into what the controller starts from. */
export function resolveScenario(spec: MountOptions["scenario"]): Promise<{ scenario: Scenario; inputs: TimedInput[]; at_ms: number; sceneName: string | null }>;

declare global {
  interface HTMLElementTagNameMap {
    "kafka-mailroom": KafkaMailroom;
  }
}
