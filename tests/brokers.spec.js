// Brokers, replication, acks, retries, idempotence and leader failover in real Chromium (issue 10,
// page side). Each of the five lessons opens from its link, plays to its pause points, and its
// sentence is checked against what the frame and the stage's drawing state show at that moment
// (a crashed broker greyed, the leader moved, the high-watermark line, the receipts' figures); at
// the scenario's end the figures the page displays equal the native simulator's (`simulate`
// output, pinned below). A broker card's menu crashes a broker and leadership moves; the legend
// lists the new marks; labels do not overlap; a single-broker scenario draws no broker marks.
import { test, expect, open, sim, ARTIFACTS, frames, scenarioFile, playTo as playToStep, overlaps } from "./helpers.js";
import { SCENES } from "../www/js/scenes.js";

const app = (page, sel) => page.locator(`#app ${sel}`);
const NAMES = ["acks-1-leader-crash-loses-acked", "acks-all-min-insync-survives-crash", "retries-without-idempotence-duplicates", "unclean-leader-election", "coordinator-broker-dies"];

/** `cargo run --release -p mailroom-core --example simulate -- scenarios/NAME.json`: producers at the end. */
const NATIVE = {
  "acks-1-leader-crash-loses-acked": [{ producer: "checkout", sent: 12000, acked: 11998, failed: 0, log_duplicates: 0, acked_lost: 34, reordered: 6 }],
  "acks-all-min-insync-survives-crash": [{ producer: "checkout", sent: 12000, acked: 11134, failed: 0, log_duplicates: 0, acked_lost: 0, reordered: 0 }],
  "retries-without-idempotence-duplicates": [
    { producer: "legacy", sent: 6000, acked: 5590, failed: 0, log_duplicates: 247, acked_lost: 0, reordered: 0 },
    { producer: "idempotent", sent: 6000, acked: 5530, failed: 0, log_duplicates: 0, acked_lost: 0, reordered: 0 },
  ],
  "unclean-leader-election": [{ producer: "web", sent: 4500, acked: 4499, failed: 0, log_duplicates: 0, acked_lost: 777, reordered: 0 }],
  "coordinator-broker-dies": [{ producer: "shop", sent: 2400, acked: 2399, failed: 0, log_duplicates: 0, acked_lost: 0, reordered: 0 }],
};

const drawn = (page) => sim(page, (c) => c.view.stage.debugState().brokers);
const part = async (page, p) => (await drawn(page)).partitions.find((x) => x.partition === p);
const card = async (page, b) => (await drawn(page)).brokers.find((x) => x.broker === b);
/** Plays to a step of the open lesson (see helpers.js). */
const playTo = (page, stepIndex) => playToStep(page, stepIndex, { speed: 5, timeoutMs: 40000 });

/** The figures the side panel shows for producer p: {sent, acked, failed, log_duplicates, acked_lost, reordered}. */
const shownFigures = (page, p) => app(page, `[data-testid=producer-figures-${p}]`).evaluate((li) => {
  const out = { producer: li.querySelector("b").textContent };
  for (const s of li.querySelectorAll("span[data-field]")) out[s.dataset.field] = Number(s.textContent.split(" ")[0]);
  return out;
});

/** Seeks to the scenario's end and checks the displayed producer figures against the native run. */
async function endFigures(page, name) {
  const end = await sim(page, (c) => { c.pause(); return c.endMs(); });
  await sim(page, (c, t) => c.seek(t), end);
  await expect.poll(() => sim(page, (c) => c.nowMs()), { timeout: 30_000 }).toBe(end);
  for (const [p, want] of NATIVE[name].entries()) {
    await expect.poll(() => shownFigures(page, p)).toEqual(want);
  }
}

test("the broker lessons' scenarios are the committed scenario files", () => {
  for (const n of NAMES) expect(SCENES[n].scenario, n).toEqual(scenarioFile(n));
});

test("acks=1: the leader dies and acknowledged records are lost, then cut on its return", async ({ page, errors }) => {
  test.setTimeout(120_000);
  await open(page, "/?scenario=acks-1-leader-crash-loses-acked");
  const text = app(page, "[data-testid=narration]");
  await expect(text).toContainText("acks=1");
  await frames(page);
  expect((await drawn(page)).brokers.map((b) => b.state)).toEqual(["up", "up", "up"]);
  await playTo(page, 1);
  // every partition: three pips, one leader, a high-watermark line at or left of the log end
  const p0 = await part(page, 0);
  expect(p0.pips.length).toBe(3);
  expect(p0.pips.filter((x) => x.leader).map((x) => x.broker)).toEqual([p0.leader]);
  expect(p0.leader).toBe(0);
  expect(p0.hw_x).not.toBeNull();
  expect(p0.hw).toBeLessThanOrEqual(p0.leo);
  expect(await overlaps(page)).toEqual([]);
  await playTo(page, 2);
  await expect(text).toContainText("Broker 0, leader of payments-0");
  expect(await card(page, 0)).toMatchObject({ state: "crashed", greyed: true });
  expect((await part(page, 0)).leader).toBe(0); // not fenced yet: leadership has not moved
  await playTo(page, 3);
  await expect(text).toContainText("new leader is broker 2 (epoch 1)");
  expect(await part(page, 0)).toMatchObject({ leader: 2, epoch: 1, isr: 2 });
  expect(await card(page, 0)).toMatchObject({ fenced: true, word: "crashed, fenced" });
  await expect(app(page, "[data-testid=producer-figures-0] [data-field=acked_lost]")).toHaveText("34 acked lost");
  expect((await sim(page, (c) => c.view.stage.debugState().receipts)).producers[0].lines).toContain("acked lost 34");
  await expect(text).toContainText("acked lost 34");
  await expect(app(page, "[data-testid=event-log]")).toContainText("Partition payments-0's new leader is broker 2 (epoch 1). The 34 records above offset 282 that only the old leader had are gone.");
  await expect(app(page, "[data-testid=isr-words]")).toContainText("payments-0: leader broker 2 (epoch 1)");
  expect(await overlaps(page)).toEqual([]);
  await page.screenshot({ path: `${ARTIFACTS}scene-acks-1.png` });
  await playTo(page, 4);
  expect(await card(page, 0)).toMatchObject({ state: "up", greyed: false });
  await expect(app(page, "[data-testid=event-log]")).toContainText("Broker 0 came back and cut 34 records of payments-0 it alone had (offsets 282–315) — they were acknowledged to checkout with acks=1 and are gone.");
  await endFigures(page, "acks-1-leader-crash-loses-acked");
});

test("acks=all + min.insync.replicas=2: the same crash loses nothing", async ({ page, errors }) => {
  test.setTimeout(120_000);
  await open(page, "/?scenario=acks-all-min-insync-survives-crash");
  const text = app(page, "[data-testid=narration]");
  await playTo(page, 1);
  // acks=all: nothing acknowledged lies right of the high watermark
  const f = await sim(page, (c) => { const f = c.frame, K = f.K; return { acked: f.producer(0, K.PR_ACKED), hw: [0, 1, 2].reduce((a, i) => a + f.part(i, K.PART_HW), 0) }; });
  expect(f.acked).toBeLessThanOrEqual(f.hw);
  await playTo(page, 2);
  expect(await card(page, 0)).toMatchObject({ state: "crashed", greyed: true });
  await playTo(page, 3);
  await expect(text).toContainText("acked lost 0");
  expect(await part(page, 0)).toMatchObject({ leader: 2, epoch: 1, isr: 2 });
  await expect(app(page, "[data-testid=producer-figures-0] [data-field=acked_lost]")).toHaveText("0 acked lost");
  await playTo(page, 4);
  for (const p of [0, 1, 2]) expect((await part(page, p)).isr, `payments-${p} ISR`).toBe(3);
  expect((await part(page, 0)).pips.every((x) => x.in_isr)).toBe(true);
  expect(await overlaps(page)).toEqual([]);
  await endFigures(page, "acks-all-min-insync-survives-crash");
});

test("retries without idempotence write duplicates; the idempotent producer does not", async ({ page, errors }) => {
  test.setTimeout(120_000);
  await open(page, "/?scenario=retries-without-idempotence-duplicates");
  const text = app(page, "[data-testid=narration]");
  await expect(text).toContainText("enable.idempotence=false");
  await playTo(page, 1);
  expect(await card(page, 0)).toMatchObject({ state: "crashed", greyed: true });
  await playTo(page, 2);
  expect(await part(page, 0)).toMatchObject({ leader: 2, epoch: 1 });
  await playTo(page, 3);
  await expect(text).toContainText("legacy: log duplicates 247");
  await expect(app(page, "[data-testid=producer-figures-0] [data-field=log_duplicates]")).toHaveText("247 log duplicates");
  await expect(app(page, "[data-testid=producer-figures-1] [data-field=log_duplicates]")).toHaveText("0 log duplicates");
  await expect(app(page, "[data-testid=producer-figures-0] [data-field=log_duplicates]")).toHaveClass(/mr-warn/);
  const stubs = (await sim(page, (c) => c.view.stage.debugState().receipts)).producers;
  expect(stubs[0].lines).toContain("log duplicates 247");
  expect(stubs[1].lines).toContain("log duplicates 0");
  await expect(app(page, "[data-testid=event-log]")).toContainText("Written twice: legacy retried 36 records that payments-0 already had");
  expect(await overlaps(page)).toEqual([]);
  await page.screenshot({ path: `${ARTIFACTS}scene-retries.png` });
  await endFigures(page, "retries-without-idempotence-duplicates");
});

test("unclean leader election: an out-of-sync replica leads and 777 acknowledged records are gone", async ({ page, errors }) => {
  test.setTimeout(120_000);
  await open(page, "/?scenario=unclean-leader-election");
  const text = app(page, "[data-testid=narration]");
  await playTo(page, 1);
  expect((await card(page, 1)).slow_ms).toBe(30000);
  expect((await card(page, 1)).line).toContain("slow +30 s");
  await playTo(page, 2);
  await expect(text).toContainText("left clicks-1's ISR");
  const p1 = await part(page, 1);
  expect(p1.isr).toBe(1);
  expect(p1.pips.find((x) => x.broker === 1)).toMatchObject({ in_isr: false, leader: false });
  await playTo(page, 3);
  expect(await card(page, 0)).toMatchObject({ state: "crashed", greyed: true });
  await playTo(page, 4);
  expect(await part(page, 1)).toMatchObject({ leader: 1, epoch: 1, unclean: true });
  await expect(text).toContainText("acked lost 777");
  await expect(app(page, "[data-testid=producer-figures-0] [data-field=acked_lost]")).toHaveText("777 acked lost");
  await expect(app(page, "[data-testid=event-log] li.mr-bad").filter({ hasText: "Unclean election: partition clicks-1's new leader is broker 1 (epoch 1)" }).first()).toBeVisible();
  expect(await overlaps(page)).toEqual([]);
  await page.screenshot({ path: `${ARTIFACTS}scene-unclean.png` });
  await endFigures(page, "unclean-leader-election");
});

test("the coordinator's broker dies and the group moves with it, losing and repeating nothing", async ({ page, errors }) => {
  test.setTimeout(120_000);
  await open(page, "/?scenario=coordinator-broker-dies");
  const text = app(page, "[data-testid=narration]");
  await frames(page);
  expect((await card(page, 0)).coordinator_of).toEqual(["fulfilment"]);
  expect((await card(page, 0)).line).toContain("coord fulfilment");
  await playTo(page, 1);
  expect(await card(page, 0)).toMatchObject({ state: "crashed", greyed: true });
  await playTo(page, 2);
  await expect(text).toContainText("moved from broker 0 to broker 2");
  expect((await card(page, 2)).coordinator_of).toEqual(["fulfilment"]);
  expect((await card(page, 0)).coordinator_of).toEqual([]);
  expect(await part(page, 1)).toMatchObject({ leader: 1, epoch: 1 });
  expect(await part(page, 4)).toMatchObject({ leader: 2, epoch: 1 });
  await expect(app(page, "[data-testid=event-log]")).toContainText("Group fulfilment's coordinator moved from broker 0 to broker 2");
  await playTo(page, 3);
  await expect(text).toContainText("lost 0, duplicates 0");
  await expect(app(page, "[data-testid=count-lost]")).toHaveText("0");
  await expect(app(page, "[data-testid=count-duplicates]")).toHaveText("0");
  expect(await overlaps(page)).toEqual([]);
  await endFigures(page, "coordinator-broker-dies");
  await expect(app(page, "[data-testid=count-lost]")).toHaveText("0");
  await expect(app(page, "[data-testid=count-duplicates]")).toHaveText("0");
});

test("a broker card's menu crashes the broker and leadership moves on the stage", async ({ page, errors }) => {
  test.setTimeout(90_000);
  await open(page, "/?scenario=coordinator-broker-dies");
  await sim(page, (c) => { c.pause(); c.seek(3000); });
  await expect.poll(() => sim(page, (c) => c.nowMs())).toBe(3000);
  await frames(page);
  const led = (await drawn(page)).partitions.filter((p) => p.leader === 1).map((p) => p.partition);
  expect(led.length).toBeGreaterThan(0);
  // click broker 1's card on the canvas
  const pt = await sim(page, (c) => c.view.stage.brokerPoint(1));
  const box = await app(page, "canvas[data-testid=stage]").boundingBox();
  await page.mouse.click(box.x + pt.rect.x + pt.rect.w / 2, box.y + pt.rect.y + pt.rect.h / 2);
  const menu = app(page, "[data-testid=consumer-menu]");
  await expect(menu).toBeVisible();
  await expect(menu.locator(".mr-menu-title")).toHaveText("broker 1 · up");
  await expect(menu.locator("[data-item=IsolateBroker]")).toBeVisible();
  await expect(menu.locator("[data-item='SlowFollower:5000']")).toBeVisible();
  await menu.locator("[data-item=CrashBroker]").click();
  expect(await sim(page, (c) => c.log.at(-1).input)).toEqual({ type: "CrashBroker", broker: 1 });
  await frames(page);
  expect(await card(page, 1)).toMatchObject({ state: "crashed", greyed: true });
  // after broker.session.timeout.ms (9 s) the controller moves every leadership it held
  await sim(page, (c) => c.seek(13_500));
  await expect.poll(() => sim(page, (c) => c.nowMs()), { timeout: 20_000 }).toBe(13_500);
  await frames(page);
  const after = (await drawn(page)).partitions;
  for (const p of led) expect(after.find((x) => x.partition === p).leader, `orders-${p}`).not.toBe(1);
  expect((await card(page, 1)).leaders).toBe(0);
  // the keyboard way: the broker's button beside the stage opens the same menu
  const button = app(page, "[data-testid=broker-1]");
  await expect(button).toHaveAttribute("data-state", "crashed");
  await button.focus();
  await page.keyboard.press("Enter");
  await expect(menu.locator("[data-item=RestartBroker]")).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(button).toHaveAttribute("data-state", "up");
  // a refused input shows the core's reason (heal a broker that is not isolated)
  await sim(page, (c) => c.view._try(() => c.apply({ type: "HealBroker", broker: 2 })));
  await expect(app(page, "[data-testid=status]")).toContainText("broker 2");
});

test("the legend explains the broker marks", async ({ page, errors }) => {
  await open(page, "/?scenario=acks-1-leader-crash-loses-acked");
  const legend = app(page, "[data-testid=legend]");
  await legend.locator("summary").click();
  for (const id of ["broker-card", "broker-crashed", "broker-isolated", "replica-leader", "replica-isr", "replica-out", "replica-catchup", "high-watermark", "election", "truncation", "receipt"]) {
    await expect(legend.locator(`dd[data-mark=${id}]`)).toBeVisible();
  }
  await expect(legend).toContainText("high watermark");
  await expect(legend).toContainText("acked lost");
});

test("a single-broker scenario draws no broker marks and no broker panel", async ({ page, errors }) => {
  await open(page, "/?scenario=crash-before-commit");
  await frames(page);
  expect(await sim(page, (c) => c.view.stage.debugState().brokers)).toBeNull();
  expect((await sim(page, (c) => c.view.stage.debugState().labels)).filter((l) => /^(broker|replicas|receipt)$/.test(l.kind))).toEqual([]);
  await expect(app(page, "[data-testid=broker-panel]")).toBeHidden();
});
