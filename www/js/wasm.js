// Loads the wasm binding once per page, however many widgets ask for it, and fresh instances on
// demand (a widget recovering from a model panic gets a module of its own: a panicked instance
// may hold borrowed state and is never called again).
// The module URL is resolved against this file, so the page works from any base path
// (the docs demo, the iframe embed and the main page all share www/pkg/).
let loading = null;
let instances = 0;

async function instantiate(query) {
  const mod = await import(new URL(`../pkg/mailroom_web.js${query}`, import.meta.url).href);
  const exports = await mod.default();
  // The module namespace is frozen: copy its exports and add the wasm memory (typed views).
  return Object.assign({}, mod, { memory: exports.memory, instance: query || "shared" });
}

/**
 * Resolves to the binding `{ Player, validateScenario, frameLayout, debugPanic, version, memory }`.
 * `{fresh: true}` instantiates a new, independent module (its own memory) instead of the shared one.
 */
export function loadWasm({ fresh = false } = {}) {
  if (fresh) return instantiate(`?instance=${++instances}`);
  if (!loading) {
    loading = instantiate("");
    // A failed load must not poison later attempts (e.g. a rebuild followed by a retry).
    loading.catch(() => { loading = null; });
  }
  return loading;
}
