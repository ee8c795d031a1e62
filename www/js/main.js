// The main page: one full-featured Mailroom, keyboard shortcuts page-wide, the session in the URL.
// A first visit (nothing stored, no share link, no ?scenario) offers the guided lessons first.
import { mount } from "./widget.js";
import { decodeHash } from "./share.js";
import { SCENES, SCENE_NAMES, scene } from "./scenes.js";
import { WhatIf } from "./whatif.js";
import { CheckPanel } from "./checkpanel.js";

const SEEN_KEY = "mailroom.guide-seen";

const fatal = (msg) => {
  const p = document.getElementById("fatal");
  p.textContent = msg;
  p.hidden = false;
};

function seenBefore() {
  try { return localStorage.getItem(SEEN_KEY) !== null; } catch { return false; }
}

function rememberSeen() {
  try { localStorage.setItem(SEEN_KEY, "1"); } catch { /* storage disabled: the guide comes back */ }
}

/** Shows the guided start above the simulator; picking a lesson loads it into `sim`'s view. */
function offerGuide(sim, reduced) {
  const box = document.getElementById("guide");
  const start = document.getElementById("guide-start");
  const list = document.getElementById("guide-list");
  const close = () => { rememberSeen(); box.hidden = true; };
  const begin = (name) => {
    close();
    sim.view.loadScene(name);
    if (!reduced) sim.play();
    sim.view.nNext.focus({ preventScroll: true });
  };
  const first = SCENE_NAMES[0];
  start.textContent = `Start lesson 1: ${SCENES[first].title} ▶`;
  start.dataset.scene = first;
  start.addEventListener("click", () => begin(first));
  list.replaceChildren(...SCENE_NAMES.map((n) => {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.scene = n;
    b.textContent = SCENES[n].title;
    b.addEventListener("click", () => begin(n));
    li.append(b);
    return li;
  }));
  document.getElementById("guide-skip").addEventListener("click", () => { close(); sim.view.sceneSel?.focus(); });
  // Choosing a lesson from the toolbar also counts as having found them.
  sim.view.sceneSel?.addEventListener("change", () => { if (!box.hidden) close(); });
  box.hidden = false;
}

async function start() {
  let scenario = "default";
  let linked = false; // the URL says what to show
  let narrated = false; // …and it is a moment inside a guided scene
  try {
    const h = await decodeHash(location.hash);
    if (h.session) { scenario = h.session; linked = true; narrated = !!(h.session.scene && scene(h.session.scene)); } else if (h.scene) { scenario = h.scene; linked = true; }
  } catch (err) {
    linked = true;
    fatal(`${err.message}; showing the default scenario instead.`);
  }
  const q = new URLSearchParams(location.search).get("scenario");
  if (!linked && q) {
    linked = true;
    if (scene(q)) scenario = q;
    else fatal(`No scene named “${q}”; showing the default scenario instead.`);
  }
  const reduced = matchMedia("(prefers-reduced-motion: reduce)").matches;
  const sim = await mount(document.getElementById("app"), {
    scenario,
    controls: "full",
    globalKeys: true,
    theme: "auto",
    // with reduced motion the reader presses play; a link to a narrated moment opens paused there
    autoplay: !reduced && !narrated,
    shareBase: location.href,
    height: "max(560px, calc(100vh - 130px))",
  });
  window.mailroom = sim; // for tests and the curious: the controller of this page
  window.mailroomWhatIf = new WhatIf(document.getElementById("whatif"), sim);
  window.mailroomCheck = new CheckPanel(document.getElementById("check"), sim);
  if (!linked && !seenBefore()) offerGuide(sim, reduced);
  document.body.dataset.ready = "1";
  window.__ready = performance.now();
}

start().catch((err) => {
  fatal(`Mailroom could not start: ${err.message ?? err}`);
  document.body.dataset.ready = "error";
});
