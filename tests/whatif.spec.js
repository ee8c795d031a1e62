// The "What if…" panel and the widget's sweep chart in real Chromium: a sweep runs in Web Workers
// while the page keeps drawing frames, its figures are exactly the native example's, a point
// opens that run in the player at its worst lag (by click and by keyboard), a bad range is
// refused with the field named, and user text is never parsed as HTML.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test, expect, open, sim } from "./helpers.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The seed-scale load: 6 partitions, 100 rec/s, one simulated hour (bench/scenarios/p6-hour.json). */
const HOUR = {
  seed: 5, duration_ms: 3_600_000,
  topics: [{ name: "user-activity", partitions: 6 }],
  producers: [{ id: "p1", topic: "user-activity", rate_per_sec: 100, "linger.ms": 5, keys: { mode: "entity", prefix: "user", count: 20 } }],
  groups: [{ "group.id": "billing", topics: ["user-activity"], consumers: 3, "max.poll.records": 50, processing_ms: 15 }],
};

/** The native example's figures for the same sweep (debug build: `cargo test` has built it). */
function nativeSweep(scenario, vary) {
  const dir = mkdtempSync(join(tmpdir(), "mailroom-sweep-"));
  try {
    const file = join(dir, "scenario.json");
    writeFileSync(file, JSON.stringify(scenario));
    const out = execFileSync("cargo", ["run", "-q", "-p", "mailroom-core", "--example", "sweep", "--", file, "--vary", vary, "--json"],
      { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    return out.trim().split("\n").map((l) => JSON.parse(l));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const panel = (page, id) => page.locator(`[data-testid=whatif] [data-testid=${id}]`);

async function loadScenario(page, scenario) {
  await sim(page, (c, s) => { c.pause(); c.view.loadSession({ scenario: s, inputs: [] }); }, scenario);
}

async function chooseField(page, path) {
  const index = await page.evaluate((p) => window.mailroomWhatIf.fields.findIndex((f) => f.path === p), path);
  expect(index).toBeGreaterThanOrEqual(0);
  await panel(page, "whatif-field").selectOption(String(index));
}

test("a sweep runs in workers while the page draws, gives the native figures, and a point opens its run at the worst lag", async ({ page, errors }) => {
  test.setTimeout(180_000);
  await page.addInitScript(() => { try { localStorage.setItem("mailroom.guide-seen", "1"); } catch { /* */ } });
  await open(page);
  await loadScenario(page, HOUR);
  await chooseField(page, "groups[0].consumers");
  await panel(page, "whatif-values").fill("1..6");
  await expect(panel(page, "whatif-secs")).toHaveValue("3600");
  // Frames and progress while the sweep runs: the main thread only receives messages.
  await page.evaluate(() => {
    const w = (window.__watch = { frames: 0, maxGap: 0, progress: new Set(), statuses: new Set() });
    let last = performance.now();
    const f = (now) => {
      const s = document.querySelector("[data-testid=whatif]");
      const p = s.querySelector("progress");
      if (s.dataset.state === "running") {
        w.frames++; w.maxGap = Math.max(w.maxGap, now - last);
        if (!p.hidden) w.progress.add(p.value);
        w.statuses.add(s.querySelector("[data-testid=whatif-status]").textContent);
      }
      last = now;
      if (s.dataset.state !== "done" && s.dataset.state !== "error") requestAnimationFrame(f);
    };
    requestAnimationFrame(f);
  });
  await panel(page, "whatif-run").click();
  await expect(page.locator("[data-testid=whatif]")).toHaveAttribute("data-state", "done", { timeout: 120_000 });
  const watch = await page.evaluate(() => ({ ...window.__watch, progress: [...window.__watch.progress], statuses: [...window.__watch.statuses] }));
  expect(watch.frames).toBeGreaterThan(5);
  // A model running on the main thread would block for seconds; frames keep coming instead.
  expect(watch.maxGap).toBeLessThan(1000);
  expect(watch.progress.some((v) => v > 0 && v < 1), `progress seen: ${watch.progress}`).toBe(true);
  expect(watch.statuses.some((s) => /Running: \d of 6 runs done/.test(s))).toBe(true);
  await expect(panel(page, "whatif-status")).toContainText("6 runs of groups[0].consumers");
  // One chart per figure, one point per run.
  await expect(page.locator("[data-testid=whatif-charts] figure")).toHaveCount(8);
  await expect(page.locator("[data-testid=whatif-charts] figure[data-figure=max_lag] circle")).toHaveCount(6);

  // The worker's figures are the native example's, run for run.
  const results = await page.evaluate(() => window.mailroomWhatIf.sweep.results);
  const native = nativeSweep(HOUR, "groups[0].consumers=1..6");
  expect(results).toEqual(native);
  // Capacity: one consumer at 15 ms per record handles ~67 of 100 rec/s; two keep up.
  expect(results[0].groups[0].max_lag).toBeGreaterThan(10 * results[2].groups[0].max_lag);

  // Click the point of 1 consumer on the max-lag chart: the player opens that run at its worst lag.
  const run = results[0];
  await page.locator("[data-testid=whatif-charts] figure[data-figure=max_lag] circle[data-value-index='0']").click();
  await expect(page.locator("[data-testid=whatif]")).toHaveAttribute("data-opened", "0:0");
  // A jump deep into the hour continues over frames (the controller's long seek): wait for it.
  await page.waitForFunction(() => !window.mailroom.state().seeking);
  const opened = await sim(page, (c) => ({ now: c.nowMs(), consumers: c.scenarioIn.groups[0].consumers, maxLag: c.snapshot().groups[0].max_lag, playing: c.playing }));
  expect(opened).toEqual({ now: run.groups[0].worst_lag_at_ms, consumers: 1, maxLag: run.groups[0].max_lag, playing: false });

  // Keyboard: Tab-focusable points, Enter opens.
  const point = page.locator("[data-testid=whatif-charts] figure[data-figure=latency_p99_ms] circle[data-value-index='3']");
  await point.focus();
  await page.keyboard.press("Enter");
  await expect(page.locator("[data-testid=whatif]")).toHaveAttribute("data-opened", "3:0");
  await page.waitForFunction(() => !window.mailroom.state().seeking);
  expect(await sim(page, (c) => [c.nowMs(), c.scenarioIn.groups[0].consumers])).toEqual([results[3].groups[0].worst_lag_at_ms, 4]);
  expect(errors).toEqual([]);
});

test("a bad range or value is refused naming the field; typed text stays text; a sweep can be cancelled", async ({ page }) => {
  await page.addInitScript(() => { try { localStorage.setItem("mailroom.guide-seen", "1"); } catch { /* */ } });
  await open(page);
  await chooseField(page, "groups[0].consumers");
  await panel(page, "whatif-values").fill("5..1");
  await panel(page, "whatif-run").click();
  await expect(panel(page, "whatif-error")).toHaveText(/^groups\[0\]\.consumers: range "5\.\.1": the start must not exceed the end/);
  await panel(page, "whatif-values").fill("2,<img src=x onerror=window.__xss=1>");
  await panel(page, "whatif-run").click();
  await expect(panel(page, "whatif-error")).toContainText("groups[0].consumers: sweep value \"<img src=x onerror=window.__xss=1>\" is not a number");
  expect(await page.evaluate(() => [document.querySelectorAll("[data-testid=whatif] img").length, window.__xss])).toEqual([0, undefined]);
  await panel(page, "whatif-values").fill("2,5000");
  await panel(page, "whatif-run").click();
  await expect(panel(page, "whatif-error")).toContainText("groups[0].consumers: must be between 0 and 1024, got 5000 (sweep value \"5000\")");
  // A long sweep, cancelled: the workers stop and the panel says so.
  await loadScenario(page, HOUR);
  await chooseField(page, "groups[0].consumers");
  await panel(page, "whatif-values").fill("1..16");
  await panel(page, "whatif-run").click();
  await expect(panel(page, "whatif-progress")).toBeVisible();
  await panel(page, "whatif-cancel").click();
  await expect(panel(page, "whatif-status")).toHaveText("Sweep cancelled.");
  await expect(panel(page, "whatif-progress")).toBeHidden();
  await expect(panel(page, "whatif-run")).toBeEnabled();
});

test("the widget draws a sweep chart from attributes, and a point opens that run below it", async ({ page, errors }) => {
  await page.goto("/docs-demo.html");
  await page.evaluate(() => {
    const w = document.createElement("kafka-mailroom");
    w.id = "w-sweep";
    w.setAttribute("scenario", "crash-before-commit");
    w.setAttribute("sweep", "groups[0].commit=after_processing,before_processing");
    w.setAttribute("sweep-figure", "duplicates,lost");
    document.querySelector("article").append(w);
  });
  const root = page.locator("#w-sweep [data-testid=sweep]");
  await expect(root).toHaveAttribute("data-done", "1", { timeout: 30_000 });
  await expect(root.locator("figure")).toHaveCount(2);
  await expect(root.locator("figure[data-figure=duplicates] circle")).toHaveCount(2);
  const handle = await page.evaluate(async () => {
    const c = await document.querySelector("#w-sweep").ready;
    return c.sweep.results.map((r) => [r.value, r.groups[0].duplicates, r.groups[0].worst_lag_at_ms]);
  });
  expect(handle.map((r) => r[0])).toEqual(["after_processing", "before_processing"]);
  // The scene's crash after processing, before the commit: at-least-once re-delivers the batch,
  // at-most-once (commit first) never processes anything twice.
  expect(handle[0][1]).toBeGreaterThan(0);
  expect(handle[1][1]).toBe(0);
  await root.locator("figure[data-figure=duplicates] circle[data-value-index='0']").click();
  const player = page.locator("#w-sweep .mr-sweep-player canvas[data-testid=stage]");
  await expect(player).toBeVisible();
  await expect(root.locator(".mr-sweep-status")).toContainText("groups[0].commit = after_processing");
  // An unknown figure name is an error shown in the widget, not a blank chart.
  await page.evaluate(() => {
    const w = document.createElement("kafka-mailroom");
    w.id = "w-bad";
    w.setAttribute("scenario", "crash-before-commit");
    w.setAttribute("sweep", "groups[0].consumers=1..3");
    w.setAttribute("sweep-figure", "speed");
    document.querySelector("article").append(w);
  });
  await expect(page.locator("#w-bad")).toHaveAttribute("data-error", "1");
  await expect(page.locator("#w-bad .mr-error")).toContainText("sweep-figure: no figure speed");
  expect(errors).toEqual([]);
});
