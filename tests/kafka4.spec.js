// The Kafka 4.x lessons in real Chromium (issue 11, page side): the consumer group protocol
// (KIP-848) beside classic eager and cooperative, a share group (KIP-932) with more consumers than
// partitions, and a poison message that hits the delivery limit. Each scene opens from its lesson
// link, plays to each of its pause points, and its sentence is checked against what the frame and
// the stage's drawing state show at that moment; the legend lists the new marks; labels do not
// overlap; the share consumers' menu drives the core's share inputs.
import { test, expect, open, sim, ARTIFACTS, frames, scenarioFile, playTo as playToStep, overlaps } from "./helpers.js";
import { SCENES } from "../www/js/scenes.js";

const app = (page, sel) => page.locator(`#app ${sel}`);
/** Plays to a step of the open lesson (see helpers.js). */
const playTo = (page, stepIndex) => playToStep(page, stepIndex, { speed: 3, timeoutMs: 30000 });

test("the lessons' scenarios are the committed scenario files", () => {
  expect(SCENES["classic-vs-consumer-protocol"].scenario).toEqual(scenarioFile("classic-vs-consumer-protocol"));
  expect(SCENES["share-group-queue"].scenario).toEqual(scenarioFile("share-group-drains-a-queue"));
  expect(SCENES["poison-message"].scenario).toEqual(scenarioFile("poison-message-delivery-limit"));
});

test("classic vs consumer protocol: epochs, reconciling marks, and the side-by-side figures", async ({ page, errors }) => {
  test.setTimeout(90_000);
  await open(page, "/?scenario=classic-vs-consumer-protocol");
  const text = app(page, "[data-testid=narration]");
  await expect(text).toContainText("group.protocol=consumer");
  // the header speaks KIP-848, the classic groups keep their generation line
  await frames(page);
  let names = (await sim(page, (c) => c.view.stage.debugState().names)).map((n) => n.full);
  expect(names.some((n) => /^consumer protocol \(KIP-848\) · group epoch \d+ · target epoch \d+$/.test(n))).toBe(true);

  // step 2: the target for epoch 3 gives consumer-3 P2 and P5; their previous owners still hold them
  await playTo(page, 1);
  await expect(text).toContainText("group epoch to 3");
  let k = await sim(page, (c) => {
    const f = c.frame, K = f.K;
    return {
      epoch: f.kg(2, K.KG_GROUP_EPOCH), target: f.kg(2, K.KG_TARGET_EPOCH),
      newcomer: f.reconcileState(2, 2),
      targets: f.subscribed[2].map((i) => f.kp(2, i, K.KP_TARGET)),
      owners: f.subscribed[2].map((i) => f.gp(2, i, K.GP_OWNER)),
    };
  });
  expect(k.epoch).toBe(3);
  expect(k.target).toBe(3);
  expect(k.newcomer).toBe("unreleased");
  expect([0, 1, 2, 3, 4, 5].filter((p) => k.targets[p] === 2)).toEqual([2, 5]);
  expect(k.owners[2]).toBeGreaterThanOrEqual(0); // still held by its previous owner
  const tags = async () => (await sim(page, (c) => c.view.stage.debugState().labels)).filter((l) => l.kind === "tag").map((l) => l.text);
  expect((await tags()).some((t) => /waiting for previous owner|waiting/.test(t))).toBe(true);

  // step 3: consumer-1 released P2 and is stable; consumer-2 must still release P5
  await playTo(page, 2);
  k = await sim(page, (c) => {
    const f = c.frame, K = f.K;
    return { c1: f.reconcileState(2, 0), c2: f.reconcileState(2, 1), c1epoch: f.km(2, 0, K.KM_EPOCH), p2owner: f.gp(2, f.index(0, 2), K.GP_OWNER), p5revoking: f.kp(2, f.index(0, 5), K.KP_REVOKING) };
  });
  expect(k).toEqual({ c1: "stable", c2: "unrevoked", c1epoch: 3, p2owner: -1, p5revoking: 1 });
  expect((await tags()).some((t) => /releasing/.test(t))).toBe(true);
  expect(await overlaps(page)).toEqual([]);

  // step 4: every member stable at epoch 3, and none of them ever stopped all its work
  await playTo(page, 3);
  k = await sim(page, (c) => {
    const f = c.frame, K = f.K;
    return { states: [0, 1, 2].map((m) => f.reconcileState(2, m)), epochs: [0, 1, 2].map((m) => f.km(2, m, K.KM_EPOCH)), paused: f.kg(2, K.KG_PAUSED_MEMBERS), p2: f.gp(2, f.index(0, 2), K.GP_OWNER), p5: f.gp(2, f.index(0, 5), K.GP_OWNER) };
  });
  expect(k).toEqual({ states: ["stable", "stable", "stable"], epochs: [3, 3, 3], paused: 0, p2: 2, p5: 2 });

  // step 5: the side-by-side figures, as displayed, and as the sentence says them
  await playTo(page, 4);
  const fig = app(page, "[data-testid=group-figures]");
  await expect(fig).toBeVisible();
  await expect(app(page, "[data-testid=protocol-0]")).toHaveText("classic, eager");
  await expect(app(page, "[data-testid=protocol-1]")).toHaveText("classic, cooperative");
  await expect(app(page, "[data-testid=protocol-2]")).toHaveText("consumer protocol (KIP-848)");
  const shown = await fig.evaluate((e) => [0, 1, 2].map((g) => ({
    down: Number(e.querySelector(`[data-testid=downtime-${g}]`).textContent.replace(" ms", "")),
    paused: Number(e.querySelector(`[data-testid=paused-${g}]`).textContent),
  })));
  expect(shown).toEqual([{ down: 6420, paused: 2 }, { down: 1116, paused: 0 }, { down: 1896, paused: 0 }]);
  const sentence = await text.textContent();
  for (const [g, s] of shown.entries()) {
    expect(sentence).toContain(`${["eager", "cooperative", "consumer protocol"][g]} ${s.down} ms`);
    expect(sentence).toContain(`${["eager", "cooperative", "consumer protocol"][g]} ${s.paused}`);
  }
  // the consumer protocol pauses fewer members and stops partitions for less than eager
  expect(shown[2].paused).toBeLessThan(shown[0].paused);
  expect(shown[2].down).toBeLessThan(shown[0].down);
  expect(await overlaps(page)).toEqual([]);
  names = (await sim(page, (c) => c.view.stage.debugState().names)).map((n) => n.full);
  expect(names).toContain("consumer-protocol");
  await page.screenshot({ path: `${ARTIFACTS}scene-classic-vs-consumer-protocol.png` });
});

test("a share group drains a queue: more consumers than partitions, all working, no per-key ordering", async ({ page, errors }) => {
  test.setTimeout(90_000);
  await open(page, "/?scenario=share-group-queue");
  const text = app(page, "[data-testid=narration]");
  await expect(text).toContainText("six consumers");
  await playTo(page, 1);
  await expect(text).toContainText("All six are working");
  const share = await sim(page, (c) => c.view.stage.debugState().share);
  expect(share.members.length).toBe(6);
  const partitions = await sim(page, (c) => c.frame.shareSubscribed[0].length);
  expect(share.members.length).toBeGreaterThan(partitions);
  for (const m of share.members) expect(m.processed, `${m.name} processed`).toBeGreaterThan(0);
  // each member's box says how much it did (the same number as the frame)
  const frameProcessed = await sim(page, (c) => [0, 1, 2, 3, 4, 5].map((m) => c.frame.sm(0, m, c.frame.K.SM_PROCESSED)));
  expect(share.members.map((m) => m.processed)).toEqual(frameProcessed);
  expect(share.records.some((r) => r.state === "acquired")).toBe(true);
  // the note, on the stage and in the legend
  expect(share.notes).toContain("share group: no per-key ordering");
  expect((await sim(page, (c) => c.view.stage.debugState().labels)).some((l) => l.kind === "share-note")).toBe(true);
  expect(await overlaps(page)).toEqual([]);

  await playTo(page, 2);
  await expect(text).toContainText("no per-key ordering");
  await playTo(page, 3);
  // consumer-3 crashed holding offset 249 of P0: the SPSO waits at 249, the window grows behind it
  const held = await sim(page, (c) => {
    const f = c.frame, K = f.K, i = f.index(0, 0);
    return { state: f.shareMemberState(0, 2), spso: f.sp(0, i, K.SP_START), speo: f.sp(0, i, K.SP_END), first: [f.shareSample(0, i, 0, 0), f.shareSample(0, i, 0, 2)] };
  });
  expect(held.state).toBe("crashed");
  expect(held.spso).toBe(249);
  expect(held.speo - held.spso).toBeGreaterThan(10);
  expect(held.first).toEqual([1, 2]); // acquired, by slot 2 (consumer-3)
  await expect(text).toContainText("offset 249 of P0");
  await playTo(page, 4);
  const again = (await sim(page, (c) => c.view.stage.debugState().share)).records.find((r) => r.partition === 0 && r.offset === 249);
  expect(again.delivery).toBe(2);
  expect(again.holder).not.toBe(2);
  await expect(app(page, "[data-testid=share-figures-0]")).toContainText("1 redeliveries");
  await playTo(page, 5);
  const figures = await app(page, "[data-testid=share-figures-0]").textContent();
  expect(figures).toBe("workers (share group): 600 processed · 1 redeliveries · 0 archived · 0 lost");
  await expect(text).toContainText("600 of 600 processed, 1 redelivery, 0 archived, 0 lost");
  await page.screenshot({ path: `${ARTIFACTS}scene-share-group-queue.png` });
});

test("a poison message climbs to the delivery limit and is archived", async ({ page, errors }) => {
  test.setTimeout(90_000);
  await open(page, "/?scenario=poison-message");
  const text = app(page, "[data-testid=narration]");
  const poison = async () => (await sim(page, (c) => c.view.stage.debugState().share)).records.find((r) => r.offset === 7) ?? null;
  await playTo(page, 1);
  expect(await poison()).toMatchObject({ state: "acquired", delivery: 1, holder: 1 });
  await expect(text).toContainText("share-consumer-2 has acquired offset 7");
  await playTo(page, 2);
  expect(await poison()).toMatchObject({ state: "acquired", delivery: 2 });
  expect(await sim(page, (c) => c.frame.sm(0, 0, c.frame.K.SM_PROC_OFFSET))).toBe(8);
  await playTo(page, 3);
  const limit = await sim(page, (c) => c.frame.shareGroupsL[0].delivery_count_limit);
  expect(await poison()).toMatchObject({ delivery: limit });
  const behind = (await sim(page, (c) => c.view.stage.debugState().share)).records.filter((r) => r.offset >= 8 && r.offset <= 10).map((r) => r.state);
  expect(behind).toEqual(["acknowledged", "acknowledged", "acknowledged"]);
  expect(await sim(page, (c) => c.frame.sp(0, 0, c.frame.K.SP_START))).toBe(7);
  await playTo(page, 4);
  expect(await poison()).toBeNull(); // archived, and the SPSO moved past it
  const f = await sim(page, (c) => { const f = c.frame, K = f.K; return { spso: f.sp(0, 0, K.SP_START), archived: f.sg(0, K.SG_ARCHIVED), redeliveries: f.sg(0, K.SG_REDELIVERIES), lost: f.sg(0, K.SG_LOST) }; });
  expect(f.spso).toBeGreaterThan(7);
  expect(f).toMatchObject({ archived: 1, redeliveries: 4, lost: 0 });
  await expect(app(page, "[data-testid=share-figures-0]")).toContainText("4 redeliveries · 1 archived · 0 lost");
  const archivedLabel = (await sim(page, (c) => c.view.stage.debugState().labels)).find((l) => l.kind === "speo");
  expect(archivedLabel.text).toContain("archived 1");
  await expect(app(page, "[data-testid=event-log]")).toContainText("Archived: payments-0 offset 7 after 5 deliveries");
  expect(await overlaps(page)).toEqual([]);
  await page.screenshot({ path: `${ARTIFACTS}scene-poison-message.png` });
});

test("the legend explains the new marks", async ({ page, errors }) => {
  await open(page, "/?scenario=share-group-queue");
  const legend = app(page, "[data-testid=legend]");
  await legend.locator("summary").click();
  for (const id of ["kip848-header", "kip848-epoch", "kip848-stable", "kip848-unrevoked", "kip848-unreleased", "figures", "share-lane", "share-no-order", "share-available", "share-acquired", "share-acknowledged", "share-archived", "share-delivery"]) {
    await expect(legend.locator(`dd[data-mark=${id}]`)).toBeVisible();
  }
  await expect(legend).toContainText("share group: no per-key ordering");
  await expect(legend).toContainText("lock timer");
  await expect(legend).toContainText("target epoch");
});

test("share consumers: the menu crashes, restarts and pauses them through the core", async ({ page, errors }) => {
  await open(page, "/?scenario=share-group-queue");
  await sim(page, (c) => { c.pause(); c.seek(2000); });
  await expect.poll(() => sim(page, (c) => c.nowMs())).toBe(2000);
  const row = app(page, "[data-testid=share-consumer-0-4]");
  await expect(row).toBeVisible();
  await row.click();
  await app(page, "[data-testid=consumer-menu] [data-item=CrashShareConsumer]").click();
  await expect(row).toHaveAttribute("data-state", "crashed");
  expect(await sim(page, (c) => c.log.at(-1).input)).toEqual({ type: "CrashShareConsumer", share_group: 0, member: 4 });
  await row.click();
  await app(page, "[data-testid=consumer-menu] [data-item=RestartShareConsumer]").click();
  await expect.poll(() => row.getAttribute("data-state")).not.toBe("crashed");
  // the toolbar's "+ consumer" adds a share consumer when the scenario has only share groups
  await app(page, "[data-action=add-consumer]").click();
  await expect(app(page, "[data-testid=share-consumer-0-6]")).toBeVisible();
  // a refused input shows the core's reason (resume a member that is not paused)
  await sim(page, (c) => c.view._try(() => c.apply({ type: "ResumeShareConsumer", share_group: 0, member: 0 })));
  await expect(app(page, "[data-testid=status]")).toContainText("share-consumer-1 is not paused");
});
