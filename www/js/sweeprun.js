// Runs a what-if sweep off the main thread: one Web Worker per shard (each with its own wasm
// instance, see sweep-worker.js), so the page stays responsive; merges their progress and figures.
//
//   const run = runSweep({ scenario, vary: "groups[0].consumers=1..8", seeds: 1,
//                          onProgress: ({done, total, fraction, results}) => … });
//   const { path, values, results } = await run.done;   // rejects with the core's "path: reason"
//   run.cancel();
import { SWEEP_WORKER_URL } from "./assets.js";

/** Workers a sweep uses by default: one per core, at most 4. */
export function defaultWorkers() {
  const n = Number(globalThis.navigator?.hardwareConcurrency) || 2;
  return Math.max(1, Math.min(4, n));
}

/** Sorts runs value by value, seed by seed (the order the core's own sweep reports them). */
export function byRun(a, b) {
  return a.value_index - b.value_index || a.seed_index - b.seed_index;
}

/**
 * Starts a sweep of `scenario` (an object) varying `vary` (`PATH=VALUES`) over `seeds` seeds.
 * @returns {{done: Promise<{path: string, values: string[], results: object[], wallMs: number}>, cancel: () => void}}
 */
export function runSweep({ scenario, vary, seeds = 1, workers = defaultWorkers(), onStart, onProgress }) {
  const t0 = performance.now();
  const shards = Math.max(1, Math.floor(workers));
  const pool = [];
  const state = [];
  const results = [];
  let settled = false;
  let head = null;
  let resolve, reject;
  const done = new Promise((ok, fail) => { resolve = ok; reject = fail; });
  const stop = () => { for (const w of pool) w.terminate(); pool.length = 0; };
  const fail = (message) => { if (settled) return; settled = true; stop(); reject(new Error(message)); };
  const report = () => {
    const total = state.reduce((a, s) => a + (s?.runs_total ?? 0), 0);
    const finished = state.reduce((a, s) => a + (s?.runs_done ?? 0), 0);
    const partial = state.reduce((a, s) => a + (s && !s.done && s.run_end_ms ? s.run_now_ms / s.run_end_ms : 0), 0);
    onProgress?.({ done: finished, total, fraction: total ? Math.min(1, (finished + partial) / total) : 0, results });
  };
  for (let i = 0; i < shards; i++) {
    const w = new Worker(SWEEP_WORKER_URL, { type: "module" });
    pool.push(w);
    w.onmessage = ({ data: m }) => {
      if (settled) return;
      if (m.type === "error") return fail(m.message);
      if (m.type === "start") {
        if (!head) { head = { path: m.path, values: m.values }; onStart?.(head); }
        state[i] = { runs_total: m.runs, runs_done: 0, done: m.runs === 0 };
        return report();
      }
      if (m.type === "progress") {
        state[i] = m.progress;
        if (m.results.length) { results.push(...m.results); results.sort(byRun); }
        return report();
      }
      if (m.type === "done" && state.length === shards && state.every((s) => s?.done)) {
        settled = true;
        stop();
        resolve({ ...head, results, wallMs: performance.now() - t0 });
      }
    };
    w.onerror = (e) => { e.preventDefault?.(); fail(`the sweep worker failed: ${e.message || "could not load"}`); };
    w.postMessage({ scenario, vary, seeds, shard: i, shards });
  }
  return { done, cancel: () => { if (!settled) { settled = true; stop(); reject(Object.assign(new Error("cancelled"), { cancelled: true })); } } };
}
