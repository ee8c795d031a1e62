// The iframe page: one widget filling the frame, configured by the query string, e.g.
//   embed.html?scenario=crash-before-commit&controls=basic&autoplay=1&theme=dark
//   embed.html#z=…   (a share link's session; the older #s=… works too)
import { mount } from "./widget.js";
import { decodeHash } from "./share.js";

const q = new URLSearchParams(location.search);
let scenario = q.get("scenario") ?? "default";
try {
  const h = await decodeHash(location.hash); // module top-level await
  if (h.session) scenario = h.session;
  else if (h.scene) scenario = h.scene;
} catch { /* a damaged hash: keep the query's scenario */ }

mount(document.getElementById("app"), {
  scenario,
  controls: q.get("controls") ?? "basic",
  autoplay: q.has("autoplay") && q.get("autoplay") !== "0",
  theme: q.get("theme") ?? "auto",
  height: "100vh",
}).then((sim) => {
  window.mailroom = sim;
  document.body.dataset.ready = "1";
  window.__ready = performance.now();
}, (err) => {
  const p = document.getElementById("fatal");
  p.textContent = `Mailroom could not start: ${err.message ?? err}`;
  p.hidden = false;
  document.body.dataset.ready = "error";
});
