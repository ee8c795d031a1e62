// Scripting a widget from docs prose: "press here to crash consumer 1 before it commits".
// The button drives the scene's own crash (it seeks to the moment the scene arms it and plays),
// so whenever the reader presses it — before playing, during, or after the crash — the outcome is
// the one the paragraph and the widget's narration describe: consumer-1 dies with processed but
// uncommitted records, consumer-2 takes over and processes them again.
import "./widget.js";
import { scene } from "./scenes.js";

const SCENE = "crash-before-commit";
const crash = scene(SCENE).scenario.inputs.find((x) => x.input.type === "CrashConsumer");
const CRASH_AT = crash.at_ms;
const VICTIM = crash.input.member;

const dup = document.getElementById("w-dup");
const btn = document.getElementById("crash-btn");

const victimState = () => dup.snapshot()?.groups[0]?.members[VICTIM]?.state;

function relabel() {
  if (!dup.controller) return;
  const t = dup.controller.nowMs();
  const text = t < CRASH_AT ? "Press here to crash consumer 1 before it commits"
    : victimState() === "Crashed" ? "Press here to watch that crash again"
      : "Consumer 1 crashes when this batch is processed…";
  if (btn.textContent !== text) btn.textContent = text;
}

btn.addEventListener("click", async () => {
  await dup.ready;
  const c = dup.controller;
  // The reader's own actions in this widget (a crash from its menu…) could change the story:
  // start from the scene as written.
  if (c.session?.().inputs?.length) c.view?.loadScene(SCENE);
  if (c.nowMs() < CRASH_AT || victimState() === "Crashed") dup.seek(CRASH_AT);
  dup.play();
  relabel();
});

dup.ready?.then(() => setInterval(relabel, 300), () => {});

Promise.all([...document.querySelectorAll("kafka-mailroom")].map((w) => customElements.whenDefined("kafka-mailroom").then(() => w.ready)))
  .then(() => { document.body.dataset.ready = "1"; window.__ready = performance.now(); },
    () => { document.body.dataset.ready = "error"; });
