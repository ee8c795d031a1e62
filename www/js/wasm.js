// Loads the wasm binding once per page, however many widgets ask for it.
// The module URL is resolved against this file, so the page works from any base path
// (the docs demo, the iframe embed and the main page all share www/pkg/).
let loading = null;

/** Resolves to the binding module `{ Mailroom, validateScenario, version }` after `init()`. */
export function loadWasm() {
  if (!loading) {
    loading = (async () => {
      const mod = await import(new URL("../pkg/mailroom_web.js", import.meta.url).href);
      await mod.default();
      return mod;
    })();
    // A failed load must not poison later attempts (e.g. a rebuild followed by a retry).
    loading.catch(() => { loading = null; });
  }
  return loading;
}
