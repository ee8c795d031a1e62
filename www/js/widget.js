// The embeddable widget: `mount(element, options)` and the <kafka-mailroom> custom element.
//
//   import { mount } from "./js/widget.js";
//   const sim = await mount(document.querySelector("#demo"), { scenario: "crash-before-commit", controls: true });
//   sim.apply({ type: "CrashConsumer", group: 0, member: 1, at: "now" });
//
//   <script type="module" src="js/widget.js"></script>
//   <kafka-mailroom scenario="eager-vs-cooperative" controls autoplay height="420px" theme="dark"></kafka-mailroom>
//
// Each widget lives in its own shadow root (no CSS leaks in or out), owns its own simulation and
// render loop, and registers no globals, so several on one page never interfere.

import { loadWasm } from "./wasm.js";
import { CSS_URL } from "./assets.js";
import { Controller } from "./controller.js";
import { View } from "./ui.js";
import { scene, DEFAULT_SCENARIO } from "./scenes.js";
import { normalizeSession } from "./share.js";


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

/** Attribute → option conversions for the custom element. */
function optionsFrom(elm) {
  const controls = elm.getAttribute("controls");
  return {
    scenario: elm.getAttribute("scenario") ?? undefined,
    controls: controls === null ? "none" : controls === "" ? "basic" : controls,
    autoplay: elm.hasAttribute("autoplay"),
    height: elm.getAttribute("height") ?? undefined,
    theme: elm.getAttribute("theme") ?? "auto",
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
