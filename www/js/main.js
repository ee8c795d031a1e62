// The main page: one full-featured Mailroom, keyboard shortcuts page-wide, the session in the URL.
import { mount } from "./widget.js";
import { decodeHash } from "./share.js";

const fatal = (msg) => {
  const p = document.getElementById("fatal");
  p.textContent = msg;
  p.hidden = false;
};

async function start() {
  let scenario = "default";
  try {
    const h = await decodeHash(location.hash);
    if (h.session) scenario = h.session;
    else if (h.scene) scenario = h.scene;
  } catch (err) {
    fatal(`${err.message}; showing the default scenario instead.`);
  }
  const reduced = matchMedia("(prefers-reduced-motion: reduce)").matches;
  const sim = await mount(document.getElementById("app"), {
    scenario,
    controls: "full",
    globalKeys: true,
    theme: "auto",
    autoplay: !reduced, // with reduced motion the reader presses play
    shareBase: location.href,
    height: "max(560px, calc(100vh - 130px))",
  });
  window.mailroom = sim; // for tests and the curious: the controller of this page
  document.body.dataset.ready = "1";
  window.__ready = performance.now();
}

start().catch((err) => {
  fatal(`Mailroom could not start: ${err.message ?? err}`);
  document.body.dataset.ready = "error";
});
