// The "Check my config" panel's Web Worker: its own wasm instance runs `checkConfig` (every fault
// drill on the model: about a second or more of work), so the page keeps drawing meanwhile. One
// message in, one out; the page starts a fresh worker per check and cancels by terminating it.
//
//   in:  {producer, consumer, topic, rate}      (each null when not given)
//   out: {type: "report", report, wallMs} · {type: "invalid", errors: [{file, key, value, reason}]} ·
//        {type: "error", message}
import { loadWasm } from "./wasm.js";

self.onmessage = async ({ data }) => {
  try {
    const wasm = await loadWasm();
    const t0 = performance.now();
    let report;
    try {
      report = wasm.checkConfig(data.producer ?? undefined, data.consumer ?? undefined, data.topic ?? undefined, data.rate ?? undefined);
    } catch (err) {
      // Bad input throws the array of every error; anything else is a failure of its own.
      if (Array.isArray(err)) return self.postMessage({ type: "invalid", errors: err });
      throw err;
    }
    self.postMessage({ type: "report", report, wallMs: performance.now() - t0 });
  } catch (err) {
    self.postMessage({ type: "error", message: String(err?.message ?? err) });
  }
};
