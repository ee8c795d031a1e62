// The "Check my config" panel's Web Worker: it loads the config check's own wasm (www/pkg-check/,
// built from web-check/: the .properties reader stays out of the player's wasm) and runs
// `checkConfig` (every fault drill on the model: about a second of work), so the page keeps
// drawing meanwhile. The page keeps one worker for its checks and terminates it to drop one.
//
//   in:  {producer, consumer, topic, rate}      (each null when not given)
//   out: {type: "report", report, wallMs} · {type: "invalid", errors: [{file, key, value, reason}]} ·
//        {type: "error", message}
import init, { checkConfig } from "../pkg-check/mailroom_web_check.js";

const WASM_URL = new URL("../pkg-check/mailroom_web_check_bg.wasm", import.meta.url);

let ready = null;

/**
 * Instantiates the wasm once. Streaming needs `Content-Type: application/wasm`; from a server that
 * sends something else, compile the bytes instead (as wasm.js does for the player).
 */
function load() {
  ready ??= (async () => {
    const res = await fetch(WASM_URL);
    if (!res.ok) throw new Error(`failed to fetch ${WASM_URL.pathname}: HTTP ${res.status}`);
    const type = (res.headers.get("Content-Type") ?? "").split(";")[0].trim().toLowerCase();
    const module = type === "application/wasm" ? await WebAssembly.compileStreaming(res) : await WebAssembly.compile(await res.arrayBuffer());
    await init({ module_or_path: module });
  })();
  return ready;
}

self.onmessage = async ({ data }) => {
  try {
    await load();
    const t0 = performance.now();
    let report;
    try {
      report = checkConfig(data.producer ?? undefined, data.consumer ?? undefined, data.topic ?? undefined, data.rate ?? undefined);
    } catch (err) {
      // Bad input throws the array of every error; anything else is a failure of its own.
      if (Array.isArray(err)) return self.postMessage({ type: "invalid", errors: err });
      throw err;
    }
    self.postMessage({ type: "report", report, wallMs: performance.now() - t0 });
  } catch (err) {
    ready = null; // a failed load is retried by the next check
    self.postMessage({ type: "error", message: String(err?.message ?? err) });
  }
};
