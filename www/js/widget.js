// The embeddable widget: `mount(element, options)` and the <kafka-mailroom> custom element.
//
//   import { mount } from "./js/widget.js";
//   const sim = await mount(document.querySelector("#demo"), { scenario: "crash-before-commit", controls: true });
//   sim.apply({ type: "CrashConsumer", group: 0, member: 1, at: "now" });
//
//   <script type="module" src="js/widget.js"></script>
//   <kafka-mailroom scenario="eager-vs-cooperative" controls autoplay height="420px" theme="dark"></kafka-mailroom>
//
// With a `sweep` attribute the widget shows a what-if sweep chart instead (for capacity-planning
// articles): the scenario run once per value in a Web Worker, one chart per figure; a click on a
// point opens that run below the chart at the moment of its worst lag.
//   <kafka-mailroom scenario="bench.json" sweep="groups[0].consumers=1..8" sweep-figure="max_lag,latency_p99_ms"></kafka-mailroom>
//
// Each widget lives in its own shadow root (no CSS leaks in or out), owns its own simulation and
// render loop, and registers no globals, so several on one page never interfere.

import { loadWasm } from "./wasm.js";
import { CSS_URL } from "./assets.js";
import { Controller } from "./controller.js";
import { View } from "./ui.js";
import { scene, DEFAULT_SCENARIO } from "./scenes.js";
import { normalizeSession } from "./share.js";
import { runSweep } from "./sweeprun.js";
import { renderSweepCharts, FIGURES } from "./sweepchart.js";


/**
 * Turns `scenario` (a scene name, "default", a scenario or session object, or a URL of a JSON
 * file) into {scenario, inputs, at_ms, sceneName}.
 */
export async function resolveScenario(spec) {
  if (spec === undefined || spec === null || spec === "" || spec === "default") {
    return { scenario: structuredClone(DEFAULT_SCENARIO), inputs: [], at_ms: 0, sceneName: null };
  }
  if (typeof spec === "object") {
    // A session from a link made inside a scene names the scene: its narration comes back too.
    const session = normalizeSession(structuredClone(spec));
    const named = session.scene && scene(session.scene) ? session.scene : null;
    if (named && !session.at_ms && session.step) session.at_ms = scene(named).steps[session.step]?.at_ms ?? 0;
    return { ...session, sceneName: named };
  }
  const s = scene(spec);
  if (s) return { scenario: structuredClone(s.scenario), inputs: [], at_ms: 0, sceneName: spec };
  // Otherwise a URL (relative to the page). The CSP keeps it same-origin.
  const res = await fetch(new URL(spec, document.baseURI));
  if (!res.ok) throw new Error(`scenario ${spec}: HTTP ${res.status}`);
  return { ...normalizeSession(await res.json()), sceneName: null };
}

function addStyles(shadow) {
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = CSS_URL.href;
  shadow.append(link);
  // Wait for the sheet so the first frame is laid out; never hang on a failed load.
  return new Promise((ok) => {
    link.addEventListener("load", ok, { once: true });
    link.addEventListener("error", ok, { once: true });
    setTimeout(ok, 3000);
  });
}

/**
 * Mounts a Mailroom view into `element` (inside a shadow root) and resolves to its controller:
 * play(), pause(), step(), seek(ms), apply(input), snapshot(), on(event, fn), plus `view`.
 * @param {HTMLElement} element
 * @param {{scenario?: string|object, controls?: boolean|"full"|"basic"|"none", autoplay?: boolean,
 *          height?: string, theme?: "light"|"dark"|"auto", globalKeys?: boolean, speed?: number}} options
 */
export async function mount(element, options = {}) {
  if (options.sweep) return mountSweep(element, options);
  const shadow = element.shadowRoot ?? element.attachShadow({ mode: "open" });
  shadow.replaceChildren();
  const [wasm, spec] = await Promise.all([loadWasm(), resolveScenario(options.scenario), addStyles(shadow)]);
  const controller = new Controller(wasm, spec.scenario, { inputs: spec.inputs, speed: options.speed });
  const controls = options.controls === true ? "basic" : options.controls === false || options.controls === undefined ? "none" : options.controls;
  const view = new View(shadow, controller, wasm, {
    controls,
    theme: options.theme ?? "auto",
    height: options.height,
    scene: spec.sceneName ?? undefined,
    globalKeys: !!options.globalKeys,
    shareBase: options.shareBase,
  });
  controller.view = view;
  if (spec.at_ms) controller.seek(spec.at_ms);
  if (options.autoplay) controller.play();
  return controller;
}

/**
 * A sweep chart: runs `options.scenario` once per value of `options.sweep` (`PATH=VALUES`) in a
 * Web Worker and charts `options.sweepFigure` (figure names, comma-separated; all when absent)
 * against the value. Resolves to `{sweep: {path, values, results}, destroy()}`; a click (or Enter)
 * on a point opens that run in a player below the chart, paused at its worst lag.
 */
async function mountSweep(element, options) {
  const shadow = element.shadowRoot ?? element.attachShadow({ mode: "open" });
  shadow.replaceChildren();
  const [spec] = await Promise.all([resolveScenario(options.scenario), addStyles(shadow)]);
  const known = FIGURES.map(([k]) => k);
  const figures = options.sweepFigure ? String(options.sweepFigure).split(",").map((f) => f.trim()).filter(Boolean) : known;
  const unknown = figures.filter((f) => !known.includes(f));
  if (unknown.length) throw new Error(`sweep-figure: no figure ${unknown.join(", ")} (figures: ${known.join(", ")})`);
  const seeds = options.sweepSeeds === undefined ? 1 : Number(options.sweepSeeds);
  const box = document.createElement("div");
  box.className = "mr mr-sweep";
  const dark = options.theme === "dark" || (options.theme !== "light" && globalThis.matchMedia?.("(prefers-color-scheme: dark)").matches);
  box.dataset.theme = dark ? "dark" : "light";
  box.dataset.testid = "sweep";
  const status = document.createElement("p");
  status.className = "mr-sweep-status";
  status.setAttribute("aria-live", "polite");
  status.textContent = `Running ${options.sweep}…`;
  const progress = document.createElement("progress");
  progress.max = 1;
  progress.value = 0;
  progress.setAttribute("aria-label", "Sweep progress");
  const charts = document.createElement("div");
  charts.className = "mr-sweep-charts";
  const player = document.createElement("div");
  player.className = "mr-sweep-player";
  box.append(status, progress, charts, player);
  shadow.append(box);
  let opened = null;
  const sweep = { path: "", values: [], results: [] };
  const open = async (r) => {
    const sw = new (await loadWasm()).Sweep(spec.scenario, options.sweep, seeds);
    let scenario;
    try { scenario = sw.variant(r.value_index, r.seed_index); } finally { sw.free(); }
    opened?.view?.destroy();
    opened?.destroy();
    opened = await mount(player, { scenario, controls: "basic", height: options.height ?? "420px", theme: options.theme });
    opened.seek(r.groups[0].worst_lag_at_ms);
    status.textContent = `${sweep.path} = ${r.value}: opened below at its worst lag (${r.groups[0].max_lag} records).`;
  };
  const draw = () => renderSweepCharts(charts, { ...sweep, figures, onPick: open });
  const run = runSweep({
    scenario: spec.scenario, vary: options.sweep, seeds,
    onStart: (h) => Object.assign(sweep, h),
    onProgress: ({ fraction, results }) => { progress.value = fraction; if (results.length !== sweep.results.length) { sweep.results = results.slice(); draw(); } },
  });
  const handle = {
    sweep,
    done: run.done.then((out) => {
      Object.assign(sweep, out);
      progress.hidden = true;
      status.textContent = `${sweep.path}: ${out.results.length} runs. Click a point to open that run.`;
      box.dataset.done = "1";
      draw();
      return sweep;
    }),
    destroy() { run.cancel(); opened?.view?.destroy(); opened?.destroy(); },
  };
  handle.done.catch((err) => {
    if (err.cancelled) return;
    progress.hidden = true;
    status.textContent = `Sweep failed: ${err.message}`;
    status.setAttribute("role", "alert");
    box.dataset.error = "1";
  });
  return handle;
}

/** Attribute → option conversions for the custom element. */
function optionsFrom(elm) {
  const controls = elm.getAttribute("controls");
  return {
    scenario: elm.getAttribute("scenario") ?? undefined,
    controls: controls === null ? "none" : controls === "" ? "basic" : controls,
    autoplay: elm.hasAttribute("autoplay"),
    height: elm.getAttribute("height") ?? undefined,
    theme: elm.getAttribute("theme") ?? "auto",
    sweep: elm.getAttribute("sweep") ?? undefined,
    sweepFigure: elm.getAttribute("sweep-figure") ?? undefined,
    sweepSeeds: elm.getAttribute("sweep-seeds") ?? undefined,
  };
}

// Importing the module where there is no DOM (a docs site's server-side render: VitePress,
// Docusaurus) must not throw; the element is defined when the module runs in a browser.
export class KafkaMailroom extends (globalThis.HTMLElement ?? class {}) {
  connectedCallback() {
    if (this._mounting) return;
    this._mounting = true;
    this.ready = mount(this, optionsFrom(this)).then((c) => {
      this.controller = c;
      this.dataset.ready = "1";
      this.dispatchEvent(new CustomEvent("ready", { detail: c }));
      return c;
    }, (err) => {
      const p = document.createElement("p");
      p.className = "mr-error";
      p.textContent = `Mailroom could not start: ${err.message ?? err}`;
      (this.shadowRoot ?? this.attachShadow({ mode: "open" })).append(p);
      this.dataset.error = "1";
      throw err;
    });
    this.ready.catch(() => {}); // reported in the widget; do not also raise an unhandled rejection
  }

  disconnectedCallback() {
    this.controller?.view?.destroy();
    this.controller?.destroy();
    this.controller = null;
    this._mounting = false;
  }

  // The controller's API, on the element itself, so docs can script it.
  play() { this.controller?.play(); }
  pause() { this.controller?.pause(); }
  step() { return this.controller?.step(); }
  seek(ms) { this.controller?.seek(ms); }
  apply(input) { this.controller?.apply(input); }
  snapshot() { return this.controller?.snapshot(); }
  on(name, fn) { return this.controller?.on(name, fn); }
}

if (globalThis.customElements && !customElements.get("kafka-mailroom")) customElements.define("kafka-mailroom", KafkaMailroom);
