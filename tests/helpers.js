// Shared Playwright helpers: a page fixture that fails the test on any console error or page
// error, a "ready" wait, and small accessors for the page's controller (window.mailroom).
import { test as base, expect } from "@playwright/test";
import { mkdirSync, readFileSync } from "node:fs";

export const ARTIFACTS = new URL("./artifacts/", import.meta.url).pathname;
mkdirSync(ARTIFACTS, { recursive: true });

export const test = base.extend({
  errors: async ({ page }, use) => {
    const errors = [];
    page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    await use(errors);
    expect(errors, "no console errors or page errors").toEqual([]);
  },
});
export { expect };

/** Opens a page and waits until it set body[data-ready=1]. */
export async function open(page, path = "/") {
  await page.goto(path);
  await page.waitForSelector("body[data-ready='1']", { timeout: 20_000 });
}

/** Evaluates `fn(controller, arg)` in the page, with the main page's controller. */
export function sim(page, fn, arg) {
  return page.evaluate(([src, a]) => {
    // eslint-disable-next-line no-new-func
    const f = new Function(`return (${src})`)();
    return f(window.mailroom, a);
  }, [fn.toString(), arg]);
}

/** Starts recording every event of the main page's controller into window.__events. */
export async function recordEvents(page) {
  await page.evaluate(() => {
    window.__events = [];
    window.mailroom.on("events", (b) => { for (const e of b) window.__events.push(e); });
    window.mailroom.on("reset", () => { window.__events = []; });
  });
}

export function eventsOf(page, type) {
  return page.evaluate((t) => window.__events.filter((e) => e.type === t), type);
}

/** Sets the speed through the logarithmic slider (value = log10(speed)). */
export async function setSpeed(page, speed) {
  await page.locator("#app [data-testid=speed]").fill(String(Math.log10(speed)));
}

/** Counts distinct colours in a sample grid of a canvas (a blank canvas has one). */
export function canvasColours(page, selector = "#app") {
  return page.evaluate((sel) => {
    const host = document.querySelector(sel);
    const c = (host.shadowRoot ?? host).querySelector("canvas[data-testid=stage]");
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let y = 0; y < c.height; y += 7) for (let x = 0; x < c.width; x += 7) {
      const i = (y * c.width + x) * 4;
      seen.add(`${d[i] >> 3},${d[i + 1] >> 3},${d[i + 2] >> 3}`);
    }
    return seen.size;
  }, selector);
}

/** Waits for two animation frames (the stage has drawn what the controller holds). */
export const frames = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

/** A file of `scenarios/`, parsed. */
export const scenarioFile = (name) => JSON.parse(readFileSync(new URL(`../scenarios/${name}.json`, import.meta.url), "utf8"));

/**
 * Plays the open lesson until the page pauses by itself at step `stepIndex` (play is held at the
 * next step's start and pauses there: it must stop on that exact millisecond), then settles on
 * the step's moment.
 */
export async function playTo(page, stepIndex, { speed, timeoutMs }) {
  const steps = await sim(page, (c) => c.view.steps.map((s) => s.at_ms));
  const at = steps[stepIndex];
  await sim(page, (c, v) => { c.setSpeed(v); c.play(); }, speed);
  await expect.poll(() => sim(page, (c) => c.playing), { timeout: timeoutMs }).toBe(false);
  const stopped = await sim(page, (c) => c.nowMs());
  // The player holds play at the next step's moment, so a slow frame on a loaded machine
  // cannot carry it past (it once overshot by more than the old 200 ms slack).
  expect(stopped, "paused exactly at the step's moment").toBe(at);
  await expect(page.locator("#app .mr-ncount")).toHaveText(`${stepIndex + 1} / ${steps.length}`);
  await sim(page, (c, t) => c.seek(t), at);
  await expect.poll(() => sim(page, (c) => c.nowMs())).toBe(at);
  await page.waitForTimeout(250); // the panels refresh every 120 ms
  await frames(page);
}

/** Every pair of placed labels on the stage that overlaps (debugState's label rects). */
export const overlaps = (page) => sim(page, (c) => {
  const L = c.view.stage.debugState().labels;
  const out = [];
  for (let a = 0; a < L.length; a++) for (let b = a + 1; b < L.length; b++) {
    const p = L[a], q = L[b];
    if (p.x < q.x + q.w && p.x + p.w > q.x && p.y < q.y + q.h && p.y + p.h > q.y) out.push(`${p.kind} "${p.text}" over ${q.kind} "${q.text}"`);
  }
  return out;
});

/** The code block right after `<!-- tested: TAG` in README.md: a test runs what the README says. */
export function readmeBlock(tag) {
  const md = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const at = md.indexOf(`<!-- tested: ${tag}`);
  expect(at, `README.md has a block marked "tested: ${tag}"`).toBeGreaterThan(-1);
  return /```[a-z]*\n([\s\S]*?)```/.exec(md.slice(at))[1];
}

/** The environment without npm's own variables: an enclosing `npm test` must not leak into a nested npm. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}
