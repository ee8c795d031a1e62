// Assembles one Mailroom view — toolbar, stage, side panels, scene narration — inside a host
// (a shadow root for the widget, or a plain element) and runs its render loop.
// Used by widget.js (mount / <kafka-mailroom>) and so by the main page and the iframe page.
// No globals: several views on one page share nothing but the wasm module.

import { Stage } from "./stage.js";
import { Panels, el } from "./panels.js";
import { SCENES, SCENE_NAMES, scene as findScene, DEFAULT_SCENARIO } from "./scenes.js";
import { encodeSession, download, normalizeSession } from "./share.js";
import { formatMs } from "./sentences.js";
import { RebalanceTracker } from "./rebalance.js";
import { KeyRemapTracker } from "./keymoves.js";
import { Strip } from "./strip.js";
import { RunState } from "./runstate.js";
import { Legend } from "./legend.js";
import { ConsumerList, crashMenuItems } from "./consumerlist.js";
import { stateWord as brokerStateWord } from "./brokers.js";
import { PAGE_URL } from "./assets.js";
import { WhyPanel } from "./why.js";

const SPEED_MIN_LOG = -1; // 0.1×
const SLOW_FOLLOWER_MS = 5000; // the broker menu's "slow follower": visibly behind, yet inside the default replica.lag.time.max.ms (30 s)
const SPEED_MAX_LOG = 2; // 100×
const STRATEGIES = ["range", "roundrobin", "sticky", "cooperative-sticky"];
const COMMIT_MODES = [["after_processing", "at-least-once (commit after processing)"], ["before_processing", "at-most-once (commit before processing)"], ["auto", "auto-commit (Kafka default)"], ["transactional", "exactly-once (transactions)"]];

/** Where Space must keep its usual meaning (press a button, tick a box, type a space). */
const SPACE_OWNERS = "button, select, textarea, a[href], input:not([type=range])";
/** Where any printable key is typing. */
const TYPING = "select, textarea, input:not([type=range]):not([type=checkbox])";

export class View {
  /**
   * @param {ShadowRoot|HTMLElement} host
   * @param {import("./controller.js").Controller} controller
   * @param {object} wasm  the binding module (validateScenario)
   * @param {{controls?: "full"|"basic"|"none", theme?: string, height?: string, scene?: string,
   *          globalKeys?: boolean, autoplay?: boolean, shareBase?: string}} options
   */
  constructor(host, controller, wasm, options = {}) {
    this.host = host;
    this.c = controller;
    this.wasm = wasm;
    this.opts = { controls: "basic", theme: "auto", ...options };
    this.sceneName = options.scene ?? null;
    this.stepIdx = -1;
    this.disposers = [];
    this.reducedMotion = matchMedia("(prefers-reduced-motion: reduce)");
    this.darkScheme = matchMedia("(prefers-color-scheme: dark)");

    this.root = el("div", { class: "mr", "data-controls": this.opts.controls });
    if (this.opts.height) this.root.style.height = this.opts.height; // CSSOM, allowed by the CSP
    this._toolbar();
    const body = el("div", { class: "mr-body" });
    this.stageBox = el("div", { class: "mr-stagebox", tabindex: "0", role: "application", "aria-label": "Kafka simulation stage. Space plays or pauses; period steps; the consumers list beside it opens each consumer's menu, and its duplicates and lost counters explain each case (Why?)." });
    this.canvas = el("canvas", { class: "mr-canvas", "data-testid": "stage" });
    this.menu = el("div", { class: "mr-menu", role: "menu", hidden: true, "data-testid": "consumer-menu" });
    this.stageBox.append(this.canvas, this.menu);
    this.side = el("aside", { class: "mr-side" });
    this.consumerList = el("div", { class: "mr-consumers", role: "group", "aria-label": "Consumers" });
    this.consumerRows = new ConsumerList(this.consumerList, (g, m, b, share) => { const p = this.stage.consumerPoint(g, m, share); this.openMenu(g, m, p ? { x: p.rect.x, y: p.y } : { x: 40, y: 40 }, b, share); });
    this.legend = new Legend();
    this.legend.setScenario(controller.scenario());
    this.side.append(el("h3", {}, "Consumers"), this.consumerList, this.legend.root);
    // Keyboard: one Tab into the view reaches this; Enter jumps to the consumers.
    this.skip = el("button", { type: "button", class: "mr-skip", "data-action": "skip-to-consumers" }, "Skip to the consumers");
    this.skip.addEventListener("click", () => (this.consumerRows.first() ?? this.stageBox).focus());
    body.append(this.stageBox, this.side);
    this.narration = el("section", { class: "mr-narration", hidden: true, "aria-label": "Scene" });
    this.status = el("p", { class: "mr-status", role: "status", "data-testid": "status" });
    // Bookkeeping over the event stream, rebuilt by every replay (see rebalance.js, keymoves.js).
    this.rebalance = new RebalanceTracker(controller.scenario());
    this.keyMoves = new KeyRemapTracker(controller.scenario());
    this.strip = new Strip(this.rebalance, this.keyMoves);
    this.body = body;
    // The Why? panel (why.js): over the body on a wide view, above the stage on a phone.
    this.why = new WhyPanel(this);
    this.root.append(this.skip, this.bar, this.narration, this.strip.root, this.why.root, body, this.status);
    host.append(this.root);

    this.stage = new Stage(this.canvas, controller, { reducedMotion: this.reducedMotion.matches, rebalance: this.rebalance, keyMoves: this.keyMoves });
    this.panels = new Panels(this.side, controller, { compact: this.opts.controls !== "full" });
    this.panels.onWhy = (filter, opener) => this.openWhy(filter, opener);
    this.panels.brokers.onOpen = (b, button) => { const p = this.stage.brokerPoint(b); this.openBrokerMenu(b, p ?? { x: 40, y: 40 }, button); };
    this._narrationDom();
    this.applyTheme(this.opts.theme);

    // Registered before the panels' listeners would matter: trackers first, then the animations.
    this.disposers.push(
      controller.on("events", (b) => { for (const ev of b) { this.rebalance.observe(ev); this.keyMoves.observe(ev); } }),
      controller.on("reset", ({ scenario, seek }) => {
        this.rebalance.reset(scenario);
        this.keyMoves.reset(scenario);
        // A backward seek restored a checkpoint: the trackers start from its owners and records.
        if (seek) { this.rebalance.seed(controller.frame); this.keyMoves.seed(controller.frame); }
      }),
      controller.on("frame", (f) => this.keyMoves.observeFrame(f)),
    );
    this.runState = new RunState(this);
    this.disposers.push(
      controller.on("events", (b) => this.stage.onEvents(b)),
      controller.on("reset", ({ seek } = {}) => { if (!seek) this.why.close(); }),
      controller.on("reset", ({ scenario } = {}) => { this.stage.reset(); this._clearEndNote(); this.legend.setScenario(scenario ?? controller.scenario()); this._syncControls(); }),
      controller.on("state", () => this._syncControls()),
      controller.on("end", () => { this.say("The scenario reached its end. Restart to watch it again."); this.endNote = this.status.textContent; }),
    );
    this._wireStage();
    this._wireKeys();
    this._listen(this.reducedMotion, "change", () => { this.stage.reducedMotion = this.reducedMotion.matches; });
    this._listen(this.darkScheme, "change", () => { if (this.themeChoice === "auto") this.applyTheme("auto"); });

    // Skip drawing while off screen (a docs page with several widgets); the model still runs.
    this.visible = true;
    if ("IntersectionObserver" in window) {
      const io = new IntersectionObserver((es) => { this.visible = es.some((e) => e.isIntersecting); });
      io.observe(this.stageBox);
      this.disposers.push(() => io.disconnect());
    }
    if (this.sceneName) this.loadScene(this.sceneName, { keepLoaded: true });
    this._syncControls();
    this._startLoop();
    if (this.opts.autoplay) controller.play();
  }

  /** The focused element inside this view (shadow roots keep their own). */
  get active() {
    return this.host.activeElement ?? document.activeElement;
  }

  // ---- render loop -----------------------------------------------------------------------

  _startLoop() {
    let last = performance.now();
    let lastPanels = 0;
    const frame = (now) => {
      if (this.destroyed) return;
      let dt = now - last;
      last = now;
      if (dt > 1000) dt = 0; // a long gap (hidden tab, breakpoint): skip it, don't fast-forward
      if (this.pendingSeek !== undefined) {
        const t = this.pendingSeek;
        this.pendingSeek = undefined;
        this.c.seek(t);
      }
      const before = this.c.nowMs();
      this.c.holdAtMs = this._nextStepAt(before);
      this.c.tick(dt);
      this._sceneBoundary(before, this.c.nowMs());
      if (this.visible) {
        this.stage.draw();
        // Start-time markers (scripts/bench-start.mjs): the first drawn frame, and the first one
        // drawn after the model moved. The first of all widgets on a page counts.
        if (!this.drawnOnce) { this.drawnOnce = true; performance.mark("mailroom:first-frame"); }
        if (!this.movedOnce && this.c.nowMs() !== before) { this.movedOnce = true; performance.mark("mailroom:first-moving-frame"); }
      }
      if (now - lastPanels > 120 && !this.panelsQueued) {
        lastPanels = now;
        // The DOM beside the stage (counters, charts, strip, consumer list) changes a few times a
        // second and is updated in a task of its own right after this frame, so an animation
        // frame never pays for it. Panels read the frame arrays, never the serde snapshot.
        this.panelsQueued = true;
        this.panelsTimer = setTimeout(() => {
          this.panelsQueued = false;
          if (this.destroyed) return;
          const f = this.c.frame;
          if (f) {
            const lite = f.lite();
            this.panels.update(f);
            this.strip.update(lite);
            this._syncConsumers(lite);
          }
          this._syncControls();
          this.runState.update();
          this.why.sync();
        }, 0);
      }
      this.raf = requestAnimationFrame(frame);
    };
    this.raf = requestAnimationFrame(frame);
  }

  destroy() {
    this.destroyed = true;
    this.why.close(); // drops an explanation still queued
    cancelAnimationFrame(this.raf);
    clearTimeout(this.panelsTimer);
    for (const d of this.disposers) d();
    this.root.remove();
  }

  _listen(target, type, fn, opts) {
    target.addEventListener(type, fn, opts);
    this.disposers.push(() => target.removeEventListener(type, fn, opts));
  }

  /** Drops "reached its end" once time is no longer at the end (a reset, a load, a seek back). */
  _clearEndNote() {
    if (this.endNote && this.status.textContent === this.endNote) this.say("");
    this.endNote = null;
  }

  say(text, bad = false) {
    this.status.textContent = text;
    this.status.classList.toggle("mr-bad", bad);
  }

  /** Runs a user action; a refused input or a bad scenario becomes a status line, not a crash. */
  _try(fn) {
    try {
      return fn();
    } catch (err) {
      this.say(String(err?.message ?? err), true);
      return undefined;
    }
  }

  // ---- toolbar ---------------------------------------------------------------------------

  _button(label, action, title, extra = {}) {
    const b = el("button", { type: "button", "data-action": action, title: title ?? label, ...extra }, label);
    b.addEventListener("click", () => this.action(action, b));
    return b;
  }

  _toolbar() {
    const full = this.opts.controls === "full";
    this.bar = el("div", { class: "mr-bar", role: "toolbar", "aria-label": "Simulation controls" });
    if (this.opts.controls === "none") { this.bar.hidden = true; }
    this.playBtn = this._button("▶ Play", "play", "Play / pause (Space)", { "aria-pressed": "false" });
    this.stepBtn = this._button("Step", "step", "Step to the next event (.)");
    const speedWrap = el("label", { class: "mr-speed" });
    this.speed = el("input", { type: "range", min: String(SPEED_MIN_LOG), max: String(SPEED_MAX_LOG), step: "0.01", value: "0", "aria-label": "Speed", "data-testid": "speed" });
    this.speedOut = el("output", {}, "1×");
    speedWrap.append(document.createTextNode("speed "), this.speed, this.speedOut);
    this.speed.addEventListener("input", () => this.c.setSpeed(10 ** Number(this.speed.value)));
    const timeWrap = el("label", { class: "mr-time" });
    this.scrub = el("input", { type: "range", min: "0", max: "1000", step: "1", value: "0", "aria-label": "Simulated time", "data-testid": "scrubber" });
    this.clock = el("output", { "data-testid": "clock" }, "0.00 s");
    timeWrap.append(this.scrub, this.clock);
    this.scrub.addEventListener("input", () => { this.pendingSeek = Number(this.scrub.value); });
    const restart = this._button("↺ Restart", "restart", "Replay from the start with the same seed and inputs");
    const addC = this._button("+ consumer", "add-consumer", "Start one more consumer in the group");
    // Secondary controls: inline on a wide view; behind "More" on a narrow one (docs, phone),
    // so the toolbar stays one or two rows there (mailroom.css, container queries).
    this.moreBtn = this._button("More ▾", "more", "More controls", { class: "mr-morebtn", "aria-expanded": "false" });
    this.more = el("div", { class: "mr-more", role: "group", "aria-label": "More controls", "data-testid": "more-controls" });
    this.more.addEventListener("keydown", (e) => { if (e.key === "Escape" && this.root.classList.contains("mr-more-open")) { e.preventDefault(); this._toggleMore(false); this.moreBtn.focus(); } });
    this.more.append(speedWrap, restart);
    this.bar.append(this.playBtn, this.stepBtn, timeWrap, addC, this.moreBtn, this.more);
    if (!full) return;

    const addP = this._button("+ partition", "add-partition", "Add a partition to the topic (keys may move!)");
    this.strategy = el("select", { "aria-label": "Assignment strategy", "data-testid": "strategy" });
    for (const s of STRATEGIES) this.strategy.append(el("option", { value: s }, s));
    this.strategy.addEventListener("change", () => this.action("strategy"));
    this.delivery = el("select", { "aria-label": "Delivery semantics", "data-testid": "delivery" });
    for (const [v, label] of COMMIT_MODES) this.delivery.append(el("option", { value: v }, label));
    this.delivery.addEventListener("change", () => this.action("delivery"));
    this.keys = el("select", { "aria-label": "Key mode", "data-testid": "keys" });
    for (const [v, label] of [["user", "key: user_id"], ["order", "key: order_id"], ["none", "no key"]]) this.keys.append(el("option", { value: v }, label));
    this.keys.addEventListener("change", () => this.action("keys"));
    const rateWrap = el("label", { class: "mr-rate" });
    this.rate = el("input", { type: "number", min: "0", max: "10000", step: "1", value: "4", "aria-label": "Producer rate, records per second", "data-testid": "rate" });
    this.rate.addEventListener("change", () => this.action("rate"));
    rateWrap.append(this.rate, document.createTextNode(" rec/s"));
    // The guided lessons come first in the toolbar, under a visible label.
    const sceneWrap = el("label", { class: "mr-scene" });
    this.sceneSel = el("select", { "aria-label": "Guided lesson", "data-testid": "scene" });
    this.sceneSel.append(el("option", { value: "" }, "Free play (no lesson): explore on your own"));
    SCENE_NAMES.forEach((n, i) => this.sceneSel.append(el("option", { value: n }, `${i + 1}. ${SCENES[n].title}`)));
    this.sceneSel.addEventListener("change", () => this.action("scene"));
    sceneWrap.append(el("span", { class: "mr-scene-word" }, "Guided lesson "), this.sceneSel);
    this.bar.prepend(sceneWrap);
    const share = this._button("Share link", "share", "Copy a link that replays this session exactly");
    const exp = this._button("Export", "export", "Download the scenario and your inputs as JSON");
    const imp = this._button("Import", "import", "Load a scenario or session JSON file");
    this.file = el("input", { type: "file", accept: "application/json,.json", hidden: true, "data-testid": "import-file" });
    this.file.addEventListener("change", () => this._import());
    const theme = this._button("◐ Theme", "theme", "Switch light / dark");
    const row2 = el("div", { class: "mr-bar2" });
    row2.append(addP, this.strategy, this.delivery, this.keys, rateWrap, share, exp, imp, this.file, theme);
    this.shareOut = el("input", { type: "text", readonly: true, class: "mr-shareout", hidden: true, "aria-label": "Share link", "data-testid": "share-url" });
    row2.append(this.shareOut);
    this.more.append(row2);
  }

  /** Opens or closes the "More" controls (only visible as a toggle on a narrow view). */
  _toggleMore(open = !this.root.classList.contains("mr-more-open")) {
    this.root.classList.toggle("mr-more-open", open);
    this.moreBtn.setAttribute("aria-expanded", String(open));
    this.moreBtn.textContent = open ? "Less ▴" : "More ▾";
  }

  /** Every toolbar action, by name (also handy for scripted docs). */
  action(name) {
    const c = this.c;
    const snap = () => c.snapshot();
    switch (name) {
      case "play": c.toggle(); break;
      case "step": this._try(() => c.step()); break;
      case "restart": c.restart(); this.stepIdx = -1; this._showStep(); this.say("Replaying from the start: same seed, same inputs."); break;
      case "add-consumer": this._try(() => {
        // a scenario with only share groups gets a share consumer (no rebalance: it just shares)
        if (!c.scenarioFull.groups?.length && c.scenarioFull.share_groups?.length) { c.apply({ type: "AddShareConsumer", share_group: 0 }); this.say("A new share consumer joins: it reads the same partitions as the others, record by record."); } else { c.apply({ type: "AddConsumer", group: 0 }); this.say("A new consumer is joining: watch the group rebalance."); }
      }); break;
      case "add-partition": {
        const n = snap().topics[0]?.partitions.length ?? 0;
        this._try(() => { c.apply({ type: "AddPartitions", topic: 0, partitions: n + 1 }); this.say(`The topic now has ${n + 1} partitions: keys hash to new places, so a key's new records may land on a different partition than its old ones.`); });
        break;
      }
      case "strategy": {
        const s = this.strategy.value;
        this._try(() => { snap().groups.forEach((_, g) => c.apply({ type: "SetStrategy", group: g, strategies: [s] })); this.say(`Members rejoin with ${s}.`); });
        break;
      }
      case "rate": {
        const r = Math.max(0, Number(this.rate.value) || 0);
        this._try(() => { snap().producers.forEach((_, p) => c.apply({ type: "SetProducerRate", producer: p, rate_per_sec: r })); });
        break;
      }
      case "delivery": this._reconfigure((sc) => {
        const mode = this.delivery.value;
        for (const g of sc.groups ?? []) {
          g.commit = mode;
          if (mode === "transactional") {
            // the consume-transform-produce loop writes to an output topic, which must exist
            g.output_topic ??= `${g["group.id"]}-out`;
            g["isolation.level"] = "read_committed";
            if (!sc.topics.some((t) => t.name === g.output_topic)) sc.topics.push({ name: g.output_topic, partitions: sc.topics[0]?.partitions ?? 1 });
          } else delete g.output_topic;
        }
      }, "Delivery semantics changed: the simulation restarted from 0."); break;
      case "keys": this._reconfigure((sc) => {
        const v = this.keys.value;
        for (const p of sc.producers ?? []) p.keys = v === "none" ? { mode: "none" } : { mode: "entity", prefix: v, count: v === "order" ? 40 : 20 };
      }, "Key mode changed: the simulation restarted from 0."); break;
      case "scene": this.loadScene(this.sceneSel.value || null); break;
      case "share": this._share().catch((err) => this.say(`Could not make a link: ${err.message}`, true)); break;
      case "export": download("mailroom-session.json", JSON.stringify(this.sessionToShare(), null, 2)); this.say("Exported the scenario and your inputs as mailroom-session.json."); break;
      case "import": this.file.click(); break;
      case "theme": this.applyTheme(this.root.dataset.theme === "dark" ? "light" : "dark"); break;
      case "more": this._toggleMore(); break;
      default:
    }
    this._syncControls();
  }

  _reconfigure(edit, message) {
    const sc = structuredClone(this.c.scenarioIn);
    edit(sc);
    const bad = this.c.wasm.validateScenario(sc);
    if (bad) { this.say(`${bad.path}: ${bad.reason}`, true); return; }
    const playing = this.c.playing;
    this._try(() => { this.c.load(sc); if (playing) this.c.play(); this.say(message); });
  }

  /** The controller's session plus the scene and step being narrated, so a link restores both. */
  sessionToShare() {
    const s = this.c.session();
    if (this.sceneName) { s.scene = this.sceneName; s.step = Math.max(0, this.stepIdx); }
    return s;
  }

  async _share() {
    // The full page next to this file; the bundle has none (PAGE_URL null): then this page.
    const base = this.opts.shareBase ?? (PAGE_URL ?? new URL(location.href)).href;
    const url = base.replace(/#.*$/, "") + await encodeSession(this.sessionToShare());
    this.shareUrl = url;
    if (this.shareOut) { this.shareOut.hidden = false; this.shareOut.value = url; this.shareOut.select(); }
    navigator.clipboard?.writeText(url).then(() => this.say("Link copied: it replays this session exactly."), () => this.say("Copy the link from the box."));
  }

  async _import() {
    const f = this.file.files?.[0];
    if (!f) return;
    try {
      const session = normalizeSession(JSON.parse(await f.text()));
      this.loadSession(session);
      this.say(`Imported ${f.name}.`);
    } catch (err) {
      this.say(`Could not import ${f.name}: ${err.message}`, true);
    } finally {
      this.file.value = "";
    }
  }

  /** Loads {scenario, inputs, at_ms} and seeks to at_ms (a share link or an import). */
  loadSession(session) {
    const bad = this.c.wasm.validateScenario(session.scenario);
    if (bad) throw new Error(`${bad.path}: ${bad.reason}`);
    this.sceneName = session.scene && findScene(session.scene) ? session.scene : null;
    this.stepIdx = -1;
    this.c.load(session.scenario, session.inputs);
    if (session.at_ms) this.c.seek(session.at_ms);
    this._sceneBoundary(-1, this.c.nowMs()); // the narration of the moment landed on
    this._showStep();
  }

  applyTheme(choice) {
    this.themeChoice = choice;
    const name = choice === "auto" ? (this.darkScheme.matches ? "dark" : "light") : choice === "dark" ? "dark" : "light";
    this.root.dataset.theme = name;
    this.stage.setTheme(name);
    this.panels.setTheme(name);
    this.legend?.setTheme(name);
  }

  _syncControls() {
    const c = this.c;
    if (!c.player) return;
    this.playBtn.textContent = c.playing ? "❚❚ Pause" : "▶ Play";
    this.playBtn.setAttribute("aria-pressed", String(c.playing));
    this.speedOut.textContent = `${c.speed >= 10 ? Math.round(c.speed) : +c.speed.toFixed(c.speed < 1 ? 2 : 1)}×`;
    const now = c.nowMs();
    const max = Math.max(c.maxReachedMs, now, c.endMs(), 1000);
    this.scrub.max = String(max);
    if (this.pendingSeek === undefined && this.active !== this.scrub) this.scrub.value = String(now);
    this.scrub.setAttribute("aria-valuetext", formatMs(now));
    this.clock.textContent = formatMs(now);
    if (this.opts.controls === "full") {
      const sc = c.scenarioIn;
      const g0 = sc.groups?.[0];
      const p0 = sc.producers?.[0];
      if (g0 && this.active !== this.delivery) this.delivery.value = g0.commit ?? "after_processing";
      if (p0 && this.active !== this.keys) this.keys.value = p0.keys?.mode === "none" ? "none" : p0.keys?.prefix === "order" ? "order" : "user";
      const f = c.frame;
      const strat = f?.layout.groups.length ? f.groupStrategy(0) : null;
      if (strat && this.active !== this.strategy) this.strategy.value = strat;
      const rate = f?.layout.producers.length ? f.producer(0, f.K.PR_RATE) : undefined;
      if (rate !== undefined && this.active !== this.rate) this.rate.value = String(rate);
      if (this.active !== this.sceneSel) this.sceneSel.value = this.sceneName ?? "";
      const title = this.sceneSel.selectedOptions[0]?.textContent ?? "";
      if (this.sceneSel.title !== title) this.sceneSel.title = title; // a narrow select cuts it
    }
  }

  // ---- the Why? panel -----------------------------------------------------------------------

  /**
   * Opens the Why? panel (why.js) for `filter` = {kind, owner?, topic?, partition?, offset?}; focus
   * returns to `opener` (else what had it) when it closes.
   */
  openWhy(filter, opener) {
    this.closeMenu();
    this.why.open(filter, opener ?? this.active);
  }

  /** After the Why? panel moved the player: the narration and the controls follow. */
  afterSeek() {
    if (this.steps.length) { this.stepIdx = -1; this._sceneBoundary(-1, this.c.nowMs()); }
    this._syncControls();
  }

  // ---- consumers: canvas clicks, the DOM list, the menu ---------------------------------

  _wireStage() {
    this._listen(this.canvas, "click", (e) => {
      const r = this.canvas.getBoundingClientRect();
      const hit = this.stage.hitTest(e.clientX - r.left, e.clientY - r.top);
      if (hit?.kind === "why") { this.openWhy(hit.why, this.stageBox); return; }
      if (hit?.kind === "consumer") { this.stage.setFocus({ member: [hit.group, hit.member] }); this.openMenu(hit.group, hit.member, { x: e.clientX - r.left, y: e.clientY - r.top }); } else if (hit?.kind === "shareConsumer") { this.stage.setFocus({ share: [hit.group, hit.member] }); this.openMenu(hit.group, hit.member, { x: e.clientX - r.left, y: e.clientY - r.top }, undefined, true); } else if (hit?.kind === "broker") { this.openBrokerMenu(hit.broker, { x: e.clientX - r.left, y: e.clientY - r.top }); } else if (hit?.kind === "partition") { this.stage.setFocus({ partition: hit.index }); this.closeMenu(); }
      else this.closeMenu();
    });
    this._listen(this.canvas, "mousemove", (e) => {
      const r = this.canvas.getBoundingClientRect();
      this.canvas.classList.toggle("mr-pointer", !!this.stage.hitTest(e.clientX - r.left, e.clientY - r.top));
    });
    this._listen(this.menu, "keydown", (e) => {
      const items = [...this.menu.querySelectorAll("button")];
      const i = items.indexOf(e.composedPath()[0]);
      if (e.key === "Escape") { e.preventDefault(); this.closeMenu(true); } else if (e.key === "ArrowDown") { e.preventDefault(); items[(i + 1) % items.length]?.focus(); } else if (e.key === "ArrowUp") { e.preventDefault(); items[(i - 1 + items.length) % items.length]?.focus(); }
    });
    this._listen(document, "pointerdown", (e) => {
      if (!this.menu.hidden && !e.composedPath().includes(this.menu) && !e.composedPath().includes(this.canvas) && !e.composedPath().includes(this.consumerList) && !e.composedPath().includes(this.panels.brokers.list)) this.closeMenu();
    });
  }

  /** The menu of actions for consumer `member` of `group`, near `at` (stage CSS px). */
  openMenu(group, member, at, opener, share = false) {
    const snap = this.c.snapshot();
    const mv = share ? snap.share_groups[group]?.members[member] : snap.groups[group]?.members[member];
    if (!mv) return;
    this.menuTarget = { group, member, share };
    this.menuOpener = opener ?? null;
    const transactional = this.c.scenarioFull.groups?.[group]?.commit === "transactional";
    const items = [];
    if (share) {
      // a share consumer's inputs (KIP-932): no crash points, its locks simply run out
      if (mv.state === "crashed" || mv.state === "left") items.push(["Restart", "RestartShareConsumer"]);
      else items.push(["Crash now (its record locks run out)", "CrashShareConsumer"], mv.state === "paused" ? ["Resume", "ResumeShareConsumer"] : ["Pause (stuck poll loop)", "PauseShareConsumer"], ["Leave the share group", "LeaveShareGroup"]);
    } else if (mv.state === "Crashed" || mv.state === "Left") items.push(["Restart", "RestartConsumer"]);
    else {
      for (const [label, at] of crashMenuItems(this.c.scenarioFull.groups?.[group]?.commit, transactional)) items.push([label, `crash:${at}`]);
      items.push(mv.state === "Paused" ? ["Resume", "ResumeConsumer"] : ["Pause (stuck poll loop)", "PauseConsumer"]);
      items.push(["Leave group", "LeaveGroup"]);
    }
    this._showMenu(`${mv.name} · ${mv.state.toLowerCase()}`, items, at);
  }

  /** The menu of a broker (a card on the stage, or its button beside it), near `at`. */
  openBrokerMenu(broker, at, opener) {
    const f = this.c.frame;
    if (!f || broker >= f.brokerCount()) return;
    this.menuTarget = { broker };
    this.menuOpener = opener ?? null;
    const state = f.brokerState(broker);
    const items = [];
    if (state === "crashed") items.push(["Restart", "RestartBroker"]);
    else {
      items.push(["Crash (the process dies)", "CrashBroker"]);
      items.push(state === "isolated" ? ["Heal (reconnect)", "HealBroker"] : ["Isolate (cut off from the network)", "IsolateBroker"]);
    }
    items.push(f.br(broker, f.K.BR_SLOW_MS) > 0 ? ["Follower back to normal speed", "SlowFollower:0"] : [`Slow follower (+${SLOW_FOLLOWER_MS / 1000} s per fetch)`, `SlowFollower:${SLOW_FOLLOWER_MS}`]);
    this._showMenu(`broker ${broker} · ${brokerStateWord(f, broker)}`, items, at);
  }

  /** Fills the menu with a title and [label, action] items and opens it near `at`. */
  _showMenu(title, items, at) {
    this.menu.replaceChildren(el("p", { class: "mr-menu-title" }, title));
    for (const [label, what] of items) {
      const b = el("button", { type: "button", role: "menuitem", "data-item": what }, label);
      b.addEventListener("click", () => this._menuAction(what));
      this.menu.append(b);
    }
    this.menu.hidden = false;
    // keep the menu inside the stage
    const box = this.stageBox.getBoundingClientRect();
    const mw = this.menu.offsetWidth, mh = this.menu.offsetHeight;
    const x = Math.max(4, Math.min(at.x - mw - 8 >= 4 ? at.x - mw - 8 : at.x + 8, box.width - mw - 4));
    const y = Math.max(4, Math.min(at.y - 10, box.height - mh - 4));
    this.menu.style.left = `${x}px`;
    this.menu.style.top = `${y}px`;
    this.menu.querySelector("button")?.focus({ preventScroll: true });
  }

  closeMenu(restoreFocus = false) {
    if (this.menu.hidden) return;
    this.menu.hidden = true;
    if (!restoreFocus) return;
    const t = this.menuTarget;
    const opener = this.menuOpener?.isConnected ? this.menuOpener : this.menuOpener && t ? (t.broker !== undefined ? this.panels.brokers.button(t.broker) : this.consumerRows.button(t.group, t.member, t.share)) : null;
    (opener ?? this.stageBox).focus();
  }

  _menuAction(what) {
    if (this.menuTarget.broker !== undefined) { this._brokerAction(what); return; }
    const { group, member, share } = this.menuTarget;
    const name = `consumer-${member + 1}`;
    let input;
    let note;
    if (share) {
      input = { type: what, share_group: group, member };
      if (what === "CrashShareConsumer") note = `share-${name} crashed. Its acquired records return to the others when their locks run out.`;
    } else if (what.startsWith("crash:")) {
      const at = what.slice(6);
      input = { type: "CrashConsumer", group, member, at };
      note = at === "now" ? `${name} crashed. The coordinator notices after session.timeout.ms without heartbeats.` : `${name} will crash ${at.replace(/_/g, " ")}.`;
    } else {
      input = { type: what, group, member };
    }
    this._try(() => { this.c.apply(input); if (note) this.say(note); });
    this.closeMenu(true);
  }

  _brokerAction(what) {
    const broker = this.menuTarget.broker;
    const [type, delay] = what.split(":");
    const input = type === "SlowFollower" ? { type, broker, delay_ms: Number(delay) } : { type, broker };
    const notes = {
      CrashBroker: `Broker ${broker} died. Its leaderships move once the controller fences it (broker.session.timeout.ms).`,
      RestartBroker: `Broker ${broker} starts again, cuts what only it had, and catches up as a follower.`,
      IsolateBroker: `Broker ${broker} is cut off: requests to it time out, and the controller fences it after broker.session.timeout.ms.`,
      HealBroker: `Broker ${broker} is reachable again.`,
    };
    this._try(() => { this.c.apply(input); this.say(notes[type] ?? (input.delay_ms ? `Broker ${broker}'s follower fetches now take ${input.delay_ms / 1000} s longer.` : `Broker ${broker}'s followers fetch at normal speed.`)); });
    this.closeMenu(true);
  }

  _syncConsumers(snap) {
    this.consumerRows.sync(snap); // rows update in place: focus and the menu's opener survive
  }

  // ---- keyboard --------------------------------------------------------------------------

  _wireKeys() {
    const target = this.opts.globalKeys ? document : this.root;
    this._listen(target, "keydown", (e) => {
      const t = e.composedPath()[0];
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      const inside = (sel) => t instanceof Element && !!t.closest(sel);
      if (inside(TYPING) || (e.key === " " && inside(SPACE_OWNERS))) return;
      if (e.key === " ") { e.preventDefault(); this.c.toggle(); } else if (e.key === ".") { e.preventDefault(); this._try(() => this.c.step()); } else if ((e.key === "ArrowRight" || e.key === "ArrowLeft") && t === this.stageBox) {
        e.preventDefault();
        this.c.seek(Math.max(0, this.c.nowMs() + (e.key === "ArrowRight" ? 1000 : -1000)));
      } else if ((e.key === "ArrowDown" || e.key === "ArrowUp" || e.key === "Escape") && t === this.stageBox) {
        // Focus one partition (its numbers and newest records in the detail box); Escape clears.
        e.preventDefault();
        this.stage.moveFocus(e.key === "Escape" ? 0 : e.key === "ArrowDown" ? 1 : -1);
      }
    });
  }

  // ---- guided scenes ---------------------------------------------------------------------

  _narrationDom() {
    this.nTitle = el("h3", { class: "mr-ntitle" });
    this.nText = el("p", { class: "mr-ntext", "aria-live": "polite", "data-testid": "narration" });
    this.nCount = el("span", { class: "mr-ncount" });
    this.nPrev = el("button", { type: "button", "data-action": "prev-step", "aria-label": "Previous step", title: "Previous step" }, "◀");
    this.nPrev.append(el("span", { class: "mr-nlabel" }, " Previous"));
    this.nNext = el("button", { type: "button", "data-action": "next-step" }, "Next ▶");
    this.nPrev.addEventListener("click", () => this.prevStep());
    this.nNext.addEventListener("click", () => this.nextStep());
    // A step about a duplicate or a loss opens the cause chain of its own case (the step's `why`).
    this.nWhy = el("button", { type: "button", class: "mr-nwhy", "data-action": "why-step", hidden: true, title: "Why did this happen? The cause chain, step by step" }, "Why?");
    this.nWhy.addEventListener("click", () => { const w = this.steps[Math.max(0, this.stepIdx)]?.why; if (w) this.openWhy(w, this.nWhy); });
    // On a narrow view the text is clamped to two lines; this shows the rest (and hides it again).
    this.nMore = el("button", { type: "button", class: "mr-nmore", "data-action": "narration-more", "aria-expanded": "false", hidden: true }, "more ▾");
    this.nMore.addEventListener("click", () => {
      const open = this.narration.classList.toggle("mr-n-open");
      this.nMore.setAttribute("aria-expanded", String(open));
      this.nMore.textContent = open ? "less ▴" : "more ▾";
      this._fitNarration();
    });
    const nav = el("div", { class: "mr-nnav" });
    nav.append(this.nWhy, this.nPrev, this.nCount, this.nNext);
    this.narration.append(this.nTitle, this.nText, this.nMore, nav);
    if ("ResizeObserver" in window) {
      let lastW = -1;
      const ro = new ResizeObserver(() => { const w = this.root.clientWidth; if (w !== lastW) { lastW = w; this._fitNarration(); } });
      ro.observe(this.root);
      this.disposers.push(() => ro.disconnect());
    }
  }

  /** Shows the narration's "more" toggle only when its text is clamped (or was expanded). */
  _fitNarration() {
    if (this.narration.hidden) return;
    const open = this.narration.classList.contains("mr-n-open");
    const clamped = !open && this.nText.scrollHeight > this.nText.clientHeight + 1;
    this.nMore.hidden = !(open || clamped);
  }

  /** Switches to a scene (null = free play with the default scenario). */
  loadScene(name, { keepLoaded = false } = {}) {
    const s = name ? findScene(name) : null;
    if (name && !s) { this.say(`No scene named “${name}”.`, true); return false; }
    this.sceneName = s ? name : null;
    if (!keepLoaded) {
      this.c.pause();
      this._try(() => this.c.load(structuredClone(s ? s.scenario : DEFAULT_SCENARIO)));
    }
    this.stepIdx = -1;
    this._sceneBoundary(-1, this.c.nowMs());
    this._showStep();
    this._syncControls();
    return true;
  }

  get steps() {
    return this.sceneName ? findScene(this.sceneName).steps : [];
  }

  /** The moment of the first narrated step after `ms` (play stops there), if any. */
  _nextStepAt(ms) {
    let at;
    for (const s of this.steps) if (s.at_ms > ms && s.at_ms > 0 && (at === undefined || s.at_ms < at)) at = s.at_ms;
    return at;
  }

  /** Pauses when playing crosses the start of a narrated step, so the reader can read it. */
  _sceneBoundary(before, after) {
    const steps = this.steps;
    if (!steps.length) return;
    let idx = -1;
    steps.forEach((s, i) => { if (s.at_ms <= after) idx = i; });
    if (idx !== this.stepIdx) {
      const crossed = steps.some((s) => s.at_ms > before && s.at_ms <= after && s.at_ms > 0);
      this.stepIdx = idx;
      this._showStep();
      if (crossed && this.c.playing && before >= 0) this.c.pause();
    }
  }

  _showStep() {
    const steps = this.steps;
    this.narration.hidden = !steps.length;
    if (!steps.length) return;
    const i = Math.max(0, this.stepIdx);
    this.nTitle.textContent = findScene(this.sceneName).title;
    this.nText.textContent = steps[i].text;
    this.nCount.textContent = `${i + 1} / ${steps.length}`;
    this.nPrev.disabled = i === 0;
    this.nNext.disabled = false;
    this.nNext.textContent = i === steps.length - 1 ? "Play on ▶" : "Next ▶";
    const why = steps[i].why;
    this.nWhy.hidden = !why;
    if (why) this.nWhy.setAttribute("aria-label", `Why? ${why.label ?? "The cause chain of this step"}`);
    this._fitNarration();
  }

  /** Paused: plays on until the next narrated step. Playing: jumps to the next step. */
  nextStep() {
    const steps = this.steps;
    if (!this.c.playing) { this.c.play(); return; }
    const i = this.stepIdx + 1;
    if (i < steps.length && steps[i].at_ms > this.c.nowMs()) {
      this.c.seek(steps[i].at_ms);
      this._sceneBoundary(-1, this.c.nowMs());
    }
  }

  /** Rewinds to the previous narrated step (a replay from the seed). */
  prevStep() {
    const steps = this.steps;
    const i = Math.max(0, this.stepIdx - 1);
    this.c.pause();
    this.c.seek(steps[i]?.at_ms ?? 0);
    this.stepIdx = -1;
    this._sceneBoundary(-1, this.c.nowMs());
  }
}
