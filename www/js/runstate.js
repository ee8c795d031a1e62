// How the model is keeping up, shown in the view: the effective speed when the model cannot
// keep up with the requested one ("running at 0.4× real time"), a long seek's progress, the
// controller's notes (a clamped or refused seek) and, after a model panic, a clear message with
// "Restart from the last good inputs". DOM text only (textContent), no inline styles.

import { el } from "./panels.js";
import { formatMs } from "./sentences.js";

export function fmtSpeed(x) {
  if (x >= 10) return `${Math.round(x)}×`;
  if (x >= 1) return `${+x.toFixed(1)}×`;
  if (x >= 0.01) return `${+x.toFixed(2)}×`;
  return `${x.toPrecision(1)}×`;
}

export class RunState {
  /** @param {import("./ui.js").View} view */
  constructor(view) {
    this.view = view;
    const c = view.c;
    this.badge = el("span", { class: "mr-effective", role: "status", "data-testid": "effective", hidden: true });
    view.bar.append(this.badge);
    this.panic = el("div", { class: "mr-panic", role: "alertdialog", "aria-label": "The model stopped", "data-testid": "panic", hidden: true });
    this.panicText = el("p", { class: "mr-panic-text", "data-testid": "panic-message" });
    this.recoverBtn = el("button", { type: "button", "data-action": "recover", "data-testid": "recover" }, "Restart from the last good inputs");
    this.recoverBtn.addEventListener("click", () => this.recover());
    this.panic.append(el("h3", {}, "The simulation stopped: the model hit an internal error"), this.panicText, this.recoverBtn);
    view.stageBox.append(this.panic);
    view.disposers.push(
      c.on("note", ({ text, bad, quiet }) => { if (!quiet) view.say(text, !!bad); }),
      c.on("panic", (b) => this.showPanic(b)),
      c.on("progress", () => this.update()),
      c.on("state", () => this.update()),
    );
  }

  showPanic({ message, at_ms }) {
    this.panicText.textContent = `${message}. Nothing you did caused this; it is a bug in the model. The session's scenario and your ${this.view.c.log.length} input${this.view.c.log.length === 1 ? "" : "s"} are kept: restarting replays them on a fresh copy of the model up to ${formatMs(at_ms ?? 0)}.`;
    this.panic.hidden = false;
    this.view.root.dataset.broken = "1";
    this.view.say(`The model stopped with an internal error (${message}).`, true);
    this.recoverBtn.focus({ preventScroll: true });
  }

  async recover() {
    this.recoverBtn.disabled = true;
    try {
      await this.view.c.recover();
      this.panic.hidden = true;
      delete this.view.root.dataset.broken;
      this.view.say("Restarted from the last good inputs on a fresh copy of the model.");
    } catch (err) {
      this.panicText.textContent = `Restarting failed too: ${err?.message ?? err}. Reload the page.`;
    } finally {
      this.recoverBtn.disabled = false;
    }
  }

  /** Re-renders the badge (cheap; called a few times a second and on state changes). */
  update() {
    const s = this.view.c.state();
    let text = "";
    let kind = "";
    if (s.seeking) {
      const span = Math.max(1, s.seeking.target_ms);
      const pct = Math.min(99, Math.floor((100 * s.seeking.now_ms) / span));
      text = `seeking to ${formatMs(s.seeking.target_ms)}… ${pct} %`;
      kind = "seeking";
    } else if (s.playing && s.effective?.behind) {
      text = `running at ${fmtSpeed(s.effective.speed)} real time (the model cannot keep up with ${fmtSpeed(s.speed)})`;
      kind = "behind";
    }
    if (this.badge.textContent !== text) this.badge.textContent = text;
    this.badge.hidden = !text;
    if (this.badge.dataset.kind !== kind) this.badge.dataset.kind = kind;
    if (s.effective) this.badge.dataset.speed = String(+s.effective.speed.toFixed(3));
  }
}
