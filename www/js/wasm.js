// Loads the wasm binding once per page, however many widgets ask for it, and fresh instances on
// demand (a widget recovering from a model panic gets a module of its own: a panicked instance
// may hold borrowed state and is never called again).
// The .wasm is fetched and compiled once (streaming compilation while it downloads); every
// instance, shared or fresh, is made from that one compiled module with its own copy of the glue
// (assets.js). URLs are resolved against assets.js, so the page works from any base path (the docs
// demo, the iframe embed and the main page all share www/pkg/) and so does the bundle in dist/.
import { WASM_URL, glueCopy } from "./assets.js";

let loading = null;
let compiling = null;
let instances = 0;

/**
 * Compiles the .wasm once. Streaming compilation needs `Content-Type: application/wasm`; many
 * static servers (older nginx, some CDNs, GitHub-Pages-like hosts) send application/octet-stream,
 * and then WebAssembly.compileStreaming would reject: compile from the bytes instead, quietly (the
 * wasm-bindgen glue would log a warning there; it never sees the response here).
 */
function compile() {
  if (!compiling) {
    compiling = (async () => {
      const res = await fetch(WASM_URL);
      if (!res.ok) throw new Error(`failed to fetch ${WASM_URL.pathname}: HTTP ${res.status}`);
      const type = (res.headers.get("Content-Type") ?? "").split(";")[0].trim().toLowerCase();
      if (type === "application/wasm" && typeof WebAssembly.compileStreaming === "function") {
        return WebAssembly.compileStreaming(res);
      }
      return WebAssembly.compile(await res.arrayBuffer());
    })();
    // A failed load must not poison later attempts (e.g. a rebuild followed by a retry).
    compiling.catch(() => { compiling = null; });
  }
  return compiling;
}

async function instantiate(n) {
  const [glue, module] = await Promise.all([glueCopy(n), compile()]);
  const exports = await glue.default({ module_or_path: module });
  // The module namespace is frozen: copy its exports and add the wasm memory (typed views).
  return Object.assign({}, glue, { memory: exports.memory, instance: n ? `?instance=${n}` : "shared" });
}

/**
 * Resolves to the binding `{ Player, validateScenario, frameLayout, debugPanic, version, memory }`.
 * `{fresh: true}` instantiates a new, independent module (its own memory) instead of the shared one.
 */
export function loadWasm({ fresh = false } = {}) {
  if (fresh) return instantiate(++instances);
  if (!loading) {
    loading = instantiate(0);
    loading.catch(() => { loading = null; });
  }
  return loading;
}
