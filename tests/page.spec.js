// The main page end to end in real Chromium: it loads clean, draws, runs, and a crash clicked on
// the canvas leads to a rebalance that hands the crashed consumer's partitions to the others.
import { test, expect, open, sim, setSpeed, canvasColours, ARTIFACTS } from "./helpers.js";

test("page loads with no console errors and is ready quickly", async ({ page, errors }) => {
  await open(page);
  const ready = await page.evaluate(() => window.__ready);
  expect(ready).toBeGreaterThan(0);
  expect(ready).toBeLessThan(10_000);
  expect(await sim(page, (c) => c.snapshot().topics[0].name)).toBe("user-activity");
  expect(errors).toEqual([]);
});

test("the stage draws envelopes (canvas is not blank)", async ({ page, errors }) => {
  await open(page);
  await expect.poll(() => sim(page, (c) => c.snapshot().topics[0].partitions.reduce((a, p) => a + p.log_end_offset, 0))).toBeGreaterThan(3);
  expect(await canvasColours(page)).toBeGreaterThan(12);
  // devicePixelRatio-aware backing store
  const { w, cssW, dpr } = await page.evaluate(() => {
    const c = document.querySelector("#app").shadowRoot.querySelector("canvas");
    return { w: c.width, cssW: c.getBoundingClientRect().width, dpr: devicePixelRatio };
  });
  expect(Math.abs(w - Math.round(cssW * dpr))).toBeLessThanOrEqual(1);
});

test("offsets grow, in the snapshot and in the DOM readout", async ({ page, errors }) => {
  await open(page);
  const leo = () => sim(page, (c) => c.snapshot().topics[0].partitions.reduce((a, p) => a + p.log_end_offset, 0));
  const first = await leo();
  await expect.poll(leo, { timeout: 10_000 }).toBeGreaterThan(first + 2);
  const readout = page.locator("#app [data-testid=count-leo]");
  await expect.poll(async () => Number(await readout.textContent())).toBeGreaterThan(first);
  const clock = page.locator("#app [data-testid=clock]").first();
  await expect(clock).not.toHaveText("0.00 s");
});

test("crashing a consumer on the canvas moves its partitions to the others", async ({ page, errors }) => {
  await open(page);
  // wait for the first stable assignment
  await expect.poll(() => sim(page, (c) => c.snapshot().groups[0].state), { timeout: 15_000 }).toBe("Stable");
  await expect.poll(() => sim(page, (c) => c.snapshot().groups[0].members[1].assigned.length)).toBeGreaterThan(0);
  const before = await sim(page, (c) => c.snapshot().groups[0].members[1].assigned.map(([, p]) => p));

  // click consumer-2 on the canvas → its menu → "Crash now"
  const p = await sim(page, (c) => c.view.stage.consumerPoint(0, 1));
  expect(p).not.toBeNull();
  await page.locator("#app [data-testid=stage]").click({ position: { x: p.x, y: p.y } });
  const menu = page.locator("#app [data-testid=consumer-menu]");
  await expect(menu).toBeVisible();
  await expect(menu).toContainText("consumer-2");
  await menu.locator("[data-item='crash:now']").click();
  await expect(menu).toBeHidden();
  await expect.poll(() => sim(page, (c) => c.snapshot().groups[0].members[1].state)).toBe("Crashed");
  await expect(page.locator("#app [data-testid=event-log]")).toContainText("consumer-2 crashed");
  await page.screenshot({ path: `${ARTIFACTS}main-crashed.png` });

  // speed up through the speed control: session.timeout.ms (6 s) then the rebalance
  await setSpeed(page, 50);
  await expect.poll(() => sim(page, (c) => {
    const g = c.snapshot().groups[0];
    // the group's view is authoritative: every partition has a live owner other than consumer-2
    return g.state === "Stable" && g.partitions.every((x) => x.owner !== null && x.owner !== 1);
  }), { timeout: 20_000 }).toBe(true);
  await setSpeed(page, 1);
  const after = await sim(page, (c) => c.snapshot().groups[0]);
  for (const part of before) expect([0, 2]).toContain(after.partitions.find((x) => x.partition === part).owner);
  expect(after.rebalances).toBeGreaterThanOrEqual(2);
  await expect(page.locator("#app [data-testid=event-log]")).toContainText("session.timeout.ms");
  await page.waitForTimeout(800); // let the ownership lines finish sliding
  await page.screenshot({ path: `${ARTIFACTS}main-after-rebalance.png` });
});

test("screenshot of the main page in its first seconds", async ({ page, errors }) => {
  await open(page);
  await page.waitForTimeout(3000);
  await page.screenshot({ path: `${ARTIFACTS}main.png` });
});
