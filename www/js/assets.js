// Where the widget's files are, and independent copies of the wasm-bindgen glue.
//
// Every URL is resolved against this module (import.meta.url), so the page works from any base
// path. The bundle (`npm run build:widget`, scripts/build-widget.mjs) replaces this module with
// one that points at its own flat dist/ layout and makes glue copies from a factory: a single
// bundled file cannot re-import itself with a query. Keep the exports of both in step.

/** The compiled core (wasm-pack's output in www/pkg). */
export const WASM_URL = new URL("../pkg/mailroom_web_bg.wasm", import.meta.url);
/** The full page, where a "Share link" points by default (the bundle has none: null). */
export const PAGE_URL = new URL("../index.html", import.meta.url);
/** The widget's styles, loaded into each widget's shadow root. */
export const CSS_URL = new URL("../css/mailroom.css", import.meta.url);

/**
 * Resolves to copy `n` of the glue module (`n` = 0: the page's shared copy). Each copy has its own
 * module state, so it can hold its own wasm instance: a widget recovering from a panic gets one.
 */
export function glueCopy(n) {
  return import(new URL(`../pkg/mailroom_web.js${n ? `?instance=${n}` : ""}`, import.meta.url).href);
}

/** The what-if sweep's Web Worker (its own wasm instance; see sweep-worker.js). */
export const SWEEP_WORKER_URL = new URL("./sweep-worker.js", import.meta.url);
