// What changed and why: rebalance verdicts (moved / stayed / withheld, eager vs cooperative
// rounds), remapped keys after adding partitions, the lag chart and throughput sparkline, and
// compressed share links. Asserted through the DOM readouts and window.mailroom (the controller;
// its `view` holds the trackers the page draws from).
import { test, expect, open, sim, setSpeed, recordEvents, ARTIFACTS } from "./helpers.js";

const app = (page, sel) => page.locator(`#app ${sel}`);

/** Owners of group 0's partitions as "P→slot" (null = none), straight from the core. */
const owners = (page) => sim(page, (c) => c.snapshot().groups[0].partitions.map((p) => p.owner));

/**
 * Main page, paused at 5 s (the group formed after the 3 s initial delay), optionally switches the
 * strategy with the select, then adds two consumers with the button and plays the rebalance out.
 * Returns the banner's numbers, the tracker's summary and the owners before and after.
 */
async function addTwoConsumers(page, strategy) {
  await open(page);
  await sim(page, (c) => { c.pause(); c.seek(5000); });
  if (strategy) {
    await app(page, "[data-testid=strategy]").selectOption(strategy);
    await sim(page, (c) => c.seek(9000));
    await expect(app(page, "[data-testid=rebalance-banner-0]")).toContainText(`(${strategy}): 0 moved, 6 stayed`);
  }
  const before = await owners(page);
  await app(page, "[data-action=add-consumer]").click();
  await app(page, "[data-action=add-consumer]").click();
  await sim(page, (c) => c.seek(c.nowMs() + 12000));
  const after = await owners(page);
  const row = app(page, "[data-testid=rebalance-0]");
  const summary = await sim(page, (c) => c.view.rebalance.summary(0));
  await expect(row).toHaveAttribute("data-generation", String(summary.generation)); // the strip redraws a few times a second
  const moved = Number(await row.getAttribute("data-moved"));
  return { before, after, moved, summary, row };
}

test("a rebalance reports moved / stayed partitions; cooperative-sticky moves fewer than range", async ({ page, errors }) => {
  // range (the default list's first choice): eager, everything revoked, then reassigned
  const range = await addTwoConsumers(page, null);
  const movedByDiff = range.before.filter((o, p) => o !== range.after[p]).length;
  expect(range.summary.strategy).toBe("range");
  expect(range.moved).toBe(movedByDiff);
  expect(range.summary.moved).toBe(movedByDiff);
  expect(range.summary.stayed).toBe(6 - movedByDiff);
  await expect(app(page, "[data-testid=rebalance-banner-0]")).toHaveText(`generation ${range.summary.generation} (range): ${movedByDiff} moved, ${6 - movedByDiff} stayed`);
  await expect(range.row.locator("li")).toContainText(["all revoked"]);
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${ARTIFACTS}rebalance-range.png` });

  // switch live to cooperative-sticky: the select sends SetStrategy, the banner shows its effect
  const coop = await addTwoConsumers(page, "cooperative-sticky");
  const inputs = await sim(page, (c) => c.session().inputs.map((x) => x.input));
  expect(inputs[0]).toEqual({ type: "SetStrategy", group: 0, strategies: ["cooperative-sticky"] });
  const coopDiff = coop.before.filter((o, p) => o !== coop.after[p]).length;
  expect(coop.summary.strategy).toBe("cooperative-sticky");
  expect(coop.summary.round).toBe(2);
  expect(coop.moved).toBe(coopDiff);
  expect(coop.moved).toBeGreaterThan(0);
  expect(coop.moved).toBeLessThan(range.moved);
  // round one revoked exactly what round two assigned, and nothing was revoked eagerly
  const steps = await coop.row.locator("li").allTextContents();
  expect(steps.some((s) => s.startsWith("round 1: revoke"))).toBe(true);
  expect(steps.some((s) => s.startsWith("round 2: assign"))).toBe(true);
  expect(steps.some((s) => s.startsWith("all revoked"))).toBe(false);
  for (const m of coop.summary.movedList) expect(steps.find((s) => s.startsWith("round 1"))).toContain(`P${m.p}`);
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${ARTIFACTS}rebalance-cooperative.png` });
});

test("cooperative round one shows partitions as withheld until round two assigns them", async ({ page, errors }) => {
  await open(page);
  await recordEvents(page);
  await sim(page, (c) => { c.pause(); c.seek(5000); c.apply({ type: "SetStrategy", group: 0, strategies: ["cooperative-sticky"] }); c.seek(9000); });
  await sim(page, (c) => { c.apply({ type: "AddConsumer", group: 0 }); c.apply({ type: "AddConsumer", group: 0 }); });
  // find the round-one assignment (it withholds) and stop right after it
  await expect.poll(async () => {
    await sim(page, (c) => c.seek(c.nowMs() + 100));
    return page.evaluate(() => window.__events.some((e) => e.type === "AssignmentComputed" && e.withheld.length));
  }, { timeout: 20_000 }).toBe(true);
  const row = app(page, "[data-testid=rebalance-0]");
  await expect(row).toHaveAttribute("data-round", "1");
  await expect(row).toHaveAttribute("data-withheld", /[1-9]/);
  const withheld = Number(await row.getAttribute("data-withheld"));
  expect(withheld).toBeGreaterThan(0);
  await expect(app(page, "[data-testid=rebalance-banner-0]")).toContainText(`, ${withheld} withheld`);
  const marks = await sim(page, (c) => [...c.view.rebalance.marks(0).values()].filter((m) => m.kind === "withheld").length);
  expect(marks).toBe(withheld);
  await page.waitForTimeout(400);
  await page.screenshot({ path: `${ARTIFACTS}rebalance-withheld.png` });
});

test("the first rebalance explains group.initial.rebalance.delay.ms", async ({ page, errors }) => {
  await open(page);
  await sim(page, (c) => { c.pause(); c.seek(1000); });
  await expect(app(page, "[data-testid=rebalance-banner-0]")).toContainText("waits 3 s for its members to gather");
  await expect(app(page, "[data-testid=rebalance-banner-0]")).toContainText("(group.initial.rebalance.delay.ms)");
  expect(await sim(page, (c) => c.snapshot().groups[0].generation)).toBeLessThan(1);
  await sim(page, (c) => c.seek(4000));
  await expect(app(page, "[data-testid=rebalance-banner-0]")).toContainText("6 assigned (group formed)");
});

test("scene add-partitions: remapped keys are marked and a broken per-key order is detected", async ({ page, errors }) => {
  await open(page, "/#scene=add-partitions");
  await recordEvents(page);
  await sim(page, (c) => { c.pause(); c.restart(); c.seek(5900); });
  await expect(app(page, "[data-testid=key-remaps]")).toBeHidden();
  await sim(page, (c) => c.seek(10000));
  const readout = app(page, "[data-testid=key-remaps]");
  await expect(readout).toContainText("user-activity grew to 5 partitions");
  expect(Number(await readout.getAttribute("data-remapped"))).toBeGreaterThan(0);
  expect(Number(await readout.getAttribute("data-broken"))).toBeGreaterThan(0);
  await expect(readout).toContainText("per-key order broken");
  // every remap the page reports is a real partition change, checked against the core's logs:
  // the key really sits at both offsets, and the new record was appended after the topic grew
  const remaps = await sim(page, (c) => c.view.keyMoves.remaps);
  expect(remaps.length).toBeGreaterThan(0);
  const logs = await sim(page, (c) => {
    const at = (t) => { c.seek(t); return c.snapshot().topics[0].partitions; };
    const grown = at(6000).map((p) => p.log_end_offset);
    return { grown, now: at(10000) };
  });
  const keyAt = (p, o) => { const pv = logs.now[p]; return pv.recent_keys[o - pv.recent_base_offset]; };
  const prefix = "user-";
  for (const r of remaps) {
    const n = Number(r.key.slice(prefix.length));
    expect(logs.now[r.from].recent_base_offset).toBe(0); // the whole log is in view: nothing unchecked
    expect(keyAt(r.from, r.fromOffset), `${r.key} P${r.from}@${r.fromOffset}`).toBe(n);
    expect(keyAt(r.to, r.offset), `${r.key} P${r.to}@${r.offset}`).toBe(n);
    expect(r.offset).toBeGreaterThanOrEqual(logs.grown[r.to] ?? 0); // appended at or after 6 s
  }
  // the broken one: its new record was processed before the old partition reached its old one
  // (walked in 10 ms steps through the core's per-partition processed ends)
  const broken = remaps.find((r) => r.groups[0] === "out of order");
  const done = await sim(page, (c, r) => {
    const K = c.frame.K;
    const out = { newAt: null, oldAt: null };
    for (let t = 6000; t <= 10000; t += 10) {
      c.seek(t);
      const f = c.frame;
      if (out.newAt === null && f.gp(0, f.index(r.topic, r.to), K.GP_PROCESSED_END) > r.offset) out.newAt = t;
      if (out.oldAt === null && f.gp(0, f.index(r.topic, r.from), K.GP_PROCESSED_END) > r.fromOffset) out.oldAt = t;
    }
    return out;
  }, broken);
  expect(done.newAt).not.toBeNull();
  expect(done.oldAt === null || done.oldAt > done.newAt).toBe(true);
  await expect(app(page, "[data-testid=lag-readout]")).toContainText("billing · 5 partitions"); // redrawn after the seek
  await sim(page, (c) => c.view.loadScene("add-partitions", { keepLoaded: true }));
  await expect(app(page, "[data-testid=narration]")).toContainText("per-key order is broken");
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${ARTIFACTS}scene-add-partitions.png` });
});

test("+ partition on the main page: keys start landing elsewhere and the readout says so", async ({ page, errors }) => {
  await open(page);
  await sim(page, (c) => { c.pause(); c.seek(8000); });
  await app(page, "[data-action=add-partition]").click();
  await sim(page, (c) => c.seek(30000));
  await expect(app(page, "[data-testid=key-remaps]")).toContainText("grew to 7 partitions");
  expect(await sim(page, (c) => c.view.keyMoves.total)).toBeGreaterThan(0);
});

test("lag chart: group picker, total + top lines for big topics, throughput sparkline", async ({ page, errors }) => {
  await open(page, "/#scene=four-strategies");
  await sim(page, (c) => { c.pause(); c.seek(15000); });
  const chart = app(page, "[data-testid=lag-chart]");
  const pick = app(page, "[data-testid=lag-group]");
  await expect(pick).toBeVisible();
  expect(await pick.locator("option").allTextContents()).toEqual(["range", "roundrobin", "sticky", "cooperative-sticky"]);
  await pick.selectOption({ label: "sticky" });
  await expect(app(page, "[data-testid=lag-readout]")).toContainText(/^sticky · 6 partitions · total lag \d+/);
  await expect(chart).toHaveAttribute("data-group", "2");
  await expect(chart).toHaveAttribute("data-mode", "partitions");
  await expect(chart).toHaveAttribute("data-lines", "6");
  // a 20-partition topic: the total and the top 5
  await sim(page, (c) => {
    const sc = c.scenario();
    sc.topics[0].partitions = 20;
    sc.groups = sc.groups.slice(0, 1);
    sc.inputs = sc.inputs.filter((x) => x.input.group === 0);
    c.view.loadSession({ scenario: sc, inputs: [], at_ms: 12000 });
  });
  await expect(chart).toHaveAttribute("data-mode", "total+top");
  await expect(chart).toHaveAttribute("data-lines", "6");
  await expect(pick).toBeHidden();
  await expect(app(page, "[data-testid=lag-readout]")).toContainText("showing total + top 5");
  // the chart has history after a seek (sampled during the replay), so it is not blank
  expect(await sim(page, (c) => c.view.panels.samples.length)).toBeGreaterThan(20);
  await sim(page, (c) => c.play());
  await expect(app(page, "[data-testid=throughput-readout]")).toContainText(/in \d+\.\d \/ out \d+\.\d/);
  await expect.poll(() => sim(page, (c) => c.view.panels.rates.length), { timeout: 10_000 }).toBeGreaterThan(1);
  await page.screenshot({ path: `${ARTIFACTS}lag-chart-20-partitions.png` });
});

test("phone width: the lag chart and throughput sit below the stage", async ({ page, errors }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await open(page);
  await sim(page, (c) => { c.pause(); c.seek(10000); });
  const stage = await app(page, "[data-testid=stage]").boundingBox();
  const chart = await app(page, "[data-testid=lag-chart] canvas").boundingBox();
  const spark = await app(page, "[data-testid=throughput] canvas").boundingBox();
  const side = await app(page, ".mr-side").boundingBox();
  expect(chart.height).toBeGreaterThan(40);
  expect(side.height).toBeGreaterThan(200); // not squeezed by the view's height
  expect(chart.y).toBeLessThan(side.y + side.height); // its top is inside the side panel's visible box
  expect(chart.y).toBeGreaterThan(stage.y + stage.height - 1);
  expect(spark.height).toBeGreaterThan(10);
  await app(page, "[data-testid=lag-chart]").scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${ARTIFACTS}phone-lag-chart.png`, fullPage: true });
});

test("share links are deflate-compressed (#z=), round-trip a long session, and old #s= links still open", async ({ page, errors, context }) => {
  await open(page);
  // a long session: 120 recorded inputs
  await sim(page, (c) => {
    c.pause();
    for (let i = 0; i < 60; i++) {
      c.seek(1000 + i * 500);
      c.apply({ type: "SetProducerRate", producer: 0, rate_per_sec: 3 + (i % 5) });
      if (i % 10 === 3) c.apply({ type: "AddConsumer", group: 0 });
      else c.apply({ type: "SetProducerRate", producer: 0, rate_per_sec: 4 });
    }
    c.seek(32000);
  });
  expect(await sim(page, (c) => c.session().inputs.length)).toBe(120);
  await app(page, "[data-action=share]").click();
  // The link is compressed asynchronously (CompressionStream): wait for it to be written.
  await expect(app(page, "[data-testid=share-url]")).toHaveValue(/#z=[A-Za-z0-9_-]+$/);
  const url = await app(page, "[data-testid=share-url]").inputValue();
  expect(url).toMatch(/#z=[A-Za-z0-9_-]+$/);
  const jsonLen = await sim(page, (c) => JSON.stringify(c.session()).length);
  const hashLen = url.length - url.indexOf("#z=") - 3;
  expect(hashLen).toBeLessThan((jsonLen * 4) / 3 / 4); // at least 4× shorter than the #s= form
  const snap = await sim(page, (c) => JSON.stringify(c.snapshot()));
  const other = await context.newPage();
  await open(other, url.replace(/^https?:\/\/[^/]+/, ""));
  await sim(other, (c) => { c.pause(); c.seek(32000); });
  expect(await sim(other, (c) => JSON.stringify(c.snapshot()))).toBe(snap);
  expect(await sim(other, (c) => c.session().inputs.length)).toBe(120);

  // the old uncompressed form
  const session = JSON.parse(await sim(page, (c) => JSON.stringify(c.session())));
  const old = Buffer.from(JSON.stringify(session)).toString("base64url");
  await open(other, `/?x=1#s=${old}`);
  await sim(other, (c) => { c.pause(); c.seek(32000); });
  expect(await sim(other, (c) => JSON.stringify(c.snapshot()))).toBe(snap);
  await other.close();
});
