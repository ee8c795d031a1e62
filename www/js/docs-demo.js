// Scripting a widget from docs prose: "press here to crash consumer 2".
import "./widget.js";

const dup = document.getElementById("w-dup");
document.getElementById("crash-btn").addEventListener("click", async () => {
  await dup.ready;
  dup.apply({ type: "CrashConsumer", group: 0, member: 1, at: "now" });
  dup.play();
});

Promise.all([...document.querySelectorAll("kafka-mailroom")].map((w) => customElements.whenDefined("kafka-mailroom").then(() => w.ready)))
  .then(() => { document.body.dataset.ready = "1"; window.__ready = performance.now(); },
    () => { document.body.dataset.ready = "error"; });
