// The what-if sweep's Web Worker: its own wasm instance runs a Sweep (or one shard of it, when
// the page shares a sweep between workers) in bounded steps, posting progress and each finished
// run's figures, so the page never waits on the model. The page cancels by terminating it.
//
//   in:  {scenario, vary, seeds, shard, shards}
//   out: {type: "start", path, values, runs} · {type: "progress", progress, results} ·
//        {type: "done"} · {type: "error", message}
import { loadWasm } from "./wasm.js";

/** Model steps per call: a few tens of ms, so progress flows and a message is never late. */
const STEP_BUDGET = 200_000;

self.onmessage = async ({ data }) => {
  const { scenario, vary, seeds = 1, shard = 0, shards = 1 } = data;
  let sweep;
  try {
    const wasm = await loadWasm();
    sweep = new wasm.Sweep(scenario, vary, seeds);
    if (shards > 1) sweep.shard(shard, shards);
    self.postMessage({ type: "start", path: sweep.path(), values: sweep.values(), runs: sweep.runsTotal() });
    let sent = 0;
    for (;;) {
      const progress = sweep.step(STEP_BUDGET);
      const results = progress.runs_done > sent ? sweep.results(sent) : [];
      sent = progress.runs_done;
      self.postMessage({ type: "progress", progress, results });
      if (progress.done) break;
    }
    sweep.free();
    self.postMessage({ type: "done" });
  } catch (err) {
    self.postMessage({ type: "error", message: String(err?.message ?? err) });
  }
};
