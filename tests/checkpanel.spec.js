// The "Check my config" panel (issue 20) in real Chromium: pasted .properties files run the
// config check's drills in a Web Worker; an unsafe config shows the leader-crash drill losing
// acknowledged records, marked, with advice naming acks; bad values are all listed at once; typed
// markup stays text; a drill opens in the player at its fault (mouse and keyboard); the page's
// figures are the native engine's (`mailroom check --json`) for the same files; a dropped or
// picked file fills its text area; the open panel fits at 1280×800, 720×460 and 390×844 (photos in
// tests/artifacts/check-*.png) and passes axe, in both themes.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AxeBuilder } from "@axe-core/playwright";
import { test, expect, open, sim, ARTIFACTS } from "./helpers.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** acks=1 on three replicas with min.insync.replicas=1: a leader crash loses acknowledged records. */
const UNSAFE = { producer: "acks=1\n", topic: "replication.factor=3\nmin.insync.replicas=1\n" };

/** The native CLI's drills for the same files (`mailroom check --json`: one JSON object per drill). */
function nativeDrills({ producer, consumer, topic }) {
  const dir = mkdtempSync(join(tmpdir(), "mailroom-check-"));
  try {
    const args = ["run", "-q", "-p", "mailroom", "--", "check", "--json"];
    for (const [name, text] of Object.entries({ producer, consumer, topic })) {
      if (text === undefined) continue;
      writeFileSync(join(dir, name), text);
      args.push(`--${name}`, join(dir, name));
    }
    // Exit 1 means "some drill warns": the output is the answer all the same.
    const r = spawnSync("cargo", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    if (r.status !== 0 && r.status !== 1) throw new Error(`mailroom check exited ${r.status}`);
    return r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const part = (page, id) => page.locator(`[data-testid=check] [data-testid=${id}]`);

/** Opens the page (a returning reader: no guided start), then the panel. */
async function openPanel(page) {
  await page.addInitScript(() => { try { localStorage.setItem("mailroom.guide-seen", "1"); } catch { /* */ } });
  await open(page);
  await part(page, "check-open-panel").click();
  await expect(part(page, "check-producer")).toBeVisible();
}

/** Pastes the files into the text areas and runs the check; waits for the worker's answer. */
async function runCheck(page, files, state = "done") {
  for (const f of ["producer", "consumer", "topic"]) await part(page, `check-${f}`).fill(files[f] ?? "");
  await part(page, "check-run").click();
  await expect(page.locator("[data-testid=check]")).toHaveAttribute("data-state", state, { timeout: 60_000 });
}

const row = (page, id) => page.locator(`[data-testid=check-table] tr[data-drill="${id}"]`);

test("an unsafe config: the leader crash loses acknowledged records, is marked, the advice names acks, and the figures are the native engine's", async ({ page, errors }) => {
  test.setTimeout(240_000);
  await openPanel(page);
  // Frames while the drills run: the model works in the worker, the main thread only gets the answer.
  await page.evaluate(() => {
    const w = (window.__watch = { frames: 0, maxGap: 0 });
    let last = performance.now();
    const f = (now) => {
      const state = document.querySelector("[data-testid=check]").dataset.state;
      if (state === "running") { w.frames++; w.maxGap = Math.max(w.maxGap, now - last); }
      last = now;
      if (state !== "done" && state !== "error") requestAnimationFrame(f);
    };
    requestAnimationFrame(f);
  });
  await runCheck(page, UNSAFE);
  const watch = await page.evaluate(() => window.__watch);
  expect(watch.frames).toBeGreaterThan(5);
  // The same check on the main thread blocks it for 0.5–1.3 s on this kind of machine.
  expect(watch.maxGap).toBeLessThan(500);
  const leader = row(page, "leader-crash");
  await expect(leader).toHaveAttribute("data-warn", "1");
  await expect(leader.getByTestId("check-warn-mark")).toHaveText("⚠");
  const ackedLost = Number(await leader.locator("td[data-figure=acked_lost]").textContent());
  expect(ackedLost).toBeGreaterThan(0);
  await expect(leader.locator("td.check-advice")).toContainText("acks=all");
  await expect(page.locator("[data-testid=check-table] tbody tr")).toHaveCount(8);

  // The same files natively: every drill's figures, advice, scenario and moment equal the page's.
  const report = await page.evaluate(() => window.mailroomCheck.report);
  const native = nativeDrills(UNSAFE);
  expect(report.drills).toEqual(native.map(({ link, ...d }) => d));
  // …and the table shows those numbers.
  for (const d of native) {
    const cells = await row(page, d.id).locator("td[data-figure]").evaluateAll((tds) => Object.fromEntries(tds.map((td) => [td.dataset.figure, Number(td.textContent)])));
    expect(cells).toEqual({
      acked_lost: d.acked_lost, log_duplicates: d.log_duplicates, duplicates: d.duplicates, lost: d.lost, reordered: d.reordered,
      producer_unavailable_s: Number(d.producer_unavailable_s.toFixed(1)), consumer_unavailable_s: Number(d.consumer_unavailable_s.toFixed(1)),
    });
    await expect(row(page, d.id)).toHaveAttribute("data-warn", d.warn ? "1" : "0");
  }
  expect(errors).toEqual([]);
});

test("bad values are listed at once naming file and key, and nothing is run", async ({ page, errors }) => {
  await openPanel(page);
  await runCheck(page, { producer: "acks=2\nenable.idempotence=maybe\n" }, "invalid");
  const items = page.locator("[data-testid=check-error-list] li");
  await expect(items).toHaveCount(2);
  await expect(page.locator("[data-testid=check-errors] > p")).toHaveText("2 bad values; no drill was run:");
  await expect(items.nth(0)).toHaveAttribute("data-key", "acks");
  await expect(items.nth(0)).toContainText("producer.properties: acks=2 — must be one of");
  await expect(items.nth(1)).toHaveAttribute("data-key", "enable.idempotence");
  await expect(items.nth(1)).toContainText("producer.properties: enable.idempotence=maybe — must be true or false");
  await expect(page.locator("[data-testid=check-table]")).toBeHidden();
  // A rate that is not a number is refused by the page, naming it.
  await part(page, "check-producer").fill("");
  await part(page, "check-rate").fill("fast");
  await part(page, "check-run").click();
  await expect(page.locator("[data-testid=check-error-list] li")).toHaveText("rate: rate=fast — must be a number of records per simulated second");
  expect(errors).toEqual([]);
});

test("typed markup stays text, in ignored keys and in errors; a misspelt key gets a did-you-mean", async ({ page, errors }) => {
  await openPanel(page);
  await page.evaluate(() => { window.alert = () => { window.__xss = 1; }; });
  await runCheck(page, { producer: "<img src=x onerror=alert(1)>=3\nack=all\n", ...{ topic: UNSAFE.topic } });
  const ignored = page.locator("[data-testid=check-ignored-list] li");
  await expect(ignored.filter({ hasText: "<img" })).toHaveCount(1);
  const misspelt = page.locator("[data-testid=check-ignored-list] li[data-key=ack]");
  await expect(misspelt.locator(".check-dym")).toHaveText("acks");
  await expect(misspelt).toHaveText("producer.properties: ack — not a Kafka producer setting; did you mean acks?");
  await runCheck(page, { producer: "acks=<b id=bold>x</b>\n" }, "invalid");
  await expect(page.locator("[data-testid=check-error-list] li")).toContainText("acks=<b id=bold>x</b>");
  expect(await page.locator("[data-testid=check] img, #bold").count()).toBe(0);
  expect(await page.evaluate(() => window.__xss)).toBeUndefined();
  expect(errors).toEqual([]);
});

test("a drill opens in the player at its fault, with the mouse and with the keyboard", async ({ page, errors }) => {
  test.setTimeout(120_000);
  await openPanel(page);
  await runCheck(page, UNSAFE);
  const drills = await page.evaluate(() => window.mailroomCheck.report.drills);
  const expectOpened = async (d) => {
    await expect(page.locator("[data-testid=check]")).toHaveAttribute("data-opened", d.id);
    await page.waitForFunction(() => !window.mailroom.state().seeking);
    const got = await sim(page, (c) => ({ now: c.nowMs(), scenario: c.scenarioIn, playing: c.playing }));
    expect(got).toEqual({ now: d.at_ms, scenario: JSON.parse(d.scenario), playing: false });
  };
  const leader = drills.find((d) => d.id === "leader-crash");
  expect(JSON.parse(leader.scenario).producers[0].acks).toBe("1");
  await row(page, "leader-crash").getByTestId("check-open").click();
  await expectOpened(leader);

  const lag = drills.find((d) => d.id === "follower-lag-then-leader-crash");
  expect(lag.at_ms).not.toBe(leader.at_ms);
  await row(page, lag.id).getByTestId("check-open").focus();
  await page.keyboard.press("Enter");
  await expectOpened(lag);
  expect(errors).toEqual([]);
});

test("a file dropped on a text area or picked fills it", async ({ page, errors }) => {
  await openPanel(page);
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(["min.insync.replicas=2\nreplication.factor=3\n"], "topic.properties", { type: "text/plain" }));
    const area = document.querySelector("[data-testid=check-topic]");
    area.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
    area.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await expect(part(page, "check-topic")).toHaveValue("min.insync.replicas=2\nreplication.factor=3\n");
  await part(page, "check-producer-file").setInputFiles({ name: "producer.properties", mimeType: "text/plain", buffer: Buffer.from("acks=all\n") });
  await expect(part(page, "check-producer")).toHaveValue("acks=all\n");
  await expect(part(page, "check-status")).toHaveText("Loaded producer.properties into producer.properties.");
  expect(errors).toEqual([]);
});

/** What does not fit in the open panel: a control outside it, text wider than its cell, a page scrolling sideways. */
function panelProblems() {
  const box = document.querySelector("[data-testid=check]");
  const b = box.getBoundingClientRect();
  const out = [];
  const name = (e) => `${e.tagName.toLowerCase()}[${(e.textContent || e.getAttribute("aria-label") || "").trim().slice(0, 30)}]`;
  for (const e of box.querySelectorAll("textarea, input, button, label, summary, li, caption, th, td")) {
    if (!e.getClientRects().length) continue;
    // The headings a narrow screen keeps for screen readers only (each card labels its figures).
    if (e.closest("thead") && e.closest("thead").getBoundingClientRect().width <= 1) continue;
    const r = e.getBoundingClientRect();
    if (r.left < b.left - 1 || r.right > b.right + 1) out.push(`outside the panel: ${name(e)} ${Math.round(r.left)}–${Math.round(r.right)} vs ${Math.round(b.left)}–${Math.round(b.right)}`);
    if (e.scrollWidth > e.clientWidth + 1 && !["TEXTAREA", "INPUT"].includes(e.tagName)) out.push(`cut: ${name(e)} ${e.scrollWidth} > ${e.clientWidth}`);
  }
  if (document.documentElement.scrollWidth > innerWidth) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${innerWidth}`);
  return out;
}

for (const scheme of ["light", "dark"]) {
  test(`the open panel with its drills fits at 1280×800, 720×460 and 390×844 (${scheme})`, async ({ page, errors }) => {
    test.setTimeout(120_000);
    await page.emulateMedia({ colorScheme: scheme, reducedMotion: "reduce" });
    await openPanel(page);
    await runCheck(page, { ...UNSAFE, producer: "acks=1\nack=all\n" });
    for (const [w, h] of [[1280, 800], [720, 460], [390, 844]]) {
      await page.setViewportSize({ width: w, height: h });
      await page.waitForTimeout(100);
      expect(await page.evaluate(panelProblems), `${w}×${h} ${scheme}`).toEqual([]);
      await row(page, "leader-crash").scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${ARTIFACTS}check-${w}x${h}-${scheme}.png` });
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    // Warn rows are told apart by more than colour: the mark is text.
    await expect(row(page, "leader-crash").locator("th")).toContainText("⚠");
    expect(errors).toEqual([]);
  });
}

test.describe("axe on the open panel", () => {
  for (const scheme of ["light", "dark"]) {
    test.describe(scheme, () => {
      test.use({ bypassCSP: true, colorScheme: scheme, reducedMotion: "reduce" });
      test(`no serious or critical violation with errors, ignored keys and drills shown (${scheme})`, async ({ page }) => {
        test.setTimeout(120_000);
        await openPanel(page);
        await runCheck(page, { producer: "acks=1\nack=all\n", topic: UNSAFE.topic });
        const { violations } = await new AxeBuilder({ page }).include("[data-testid=check]").analyze();
        const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`);
        expect(bad).toEqual([]);
        await runCheck(page, { producer: "acks=2\n" }, "invalid");
        const again = await new AxeBuilder({ page }).include("[data-testid=check]").analyze();
        expect(again.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);
      });
    });
  }
});
