// Each guided scene is a deterministic scenario: seek to a moment and assert the mechanism it
// narrates really happened in the core. Also the narration UI (next / previous, auto-pause).
import { test, expect, open, sim, recordEvents, ARTIFACTS } from "./helpers.js";

async function scene(page, name, ms) {
  await open(page, `/#scene=${name}`);
  await recordEvents(page);
  await sim(page, (c, t) => { c.pause(); c.restart(); c.seek(t); }, ms);
  return sim(page, (c) => c.snapshot());
}

/**
 * Keys (entity numbers) seen on each partition of topic 0: the page's time is walked from 0 in
 * 1 s steps and every record in the partitions' newest-records views is read (the core keeps
 * 64 per partition, more than a second's worth here; checked: every offset is seen).
 */
async function keysByPartition(page) {
  const out = await sim(page, (c) => {
    const end = c.nowMs();
    const m = {};
    const seen = new Set();
    let leo = 0;
    for (let t = 0; ; t = Math.min(end, t + 1000)) {
      c.seek(t);
      c.snapshot().topics[0].partitions.forEach((pv, p) => pv.recent_keys.forEach((k, i) => {
        seen.add(`${p}:${pv.recent_base_offset + i}`);
        if (k !== null) (m[k] ??= new Set()).add(p);
      }));
      if (t >= end) { leo = c.snapshot().topics[0].partitions.reduce((a, pv) => a + pv.log_end_offset, 0); break; }
    }
    return { spread: Object.values(m).map((s) => s.size), seen: seen.size, leo };
  });
  expect(out.seen).toBe(out.leo);
  return out.spread;
}

test("scene user-ordering: one user's records all go to one partition", async ({ page, errors }) => {
  const snap = await scene(page, "user-ordering", 12000);
  const spread = await keysByPartition(page);
  expect(spread.length).toBeGreaterThan(3);
  expect(spread.every((n) => n === 1)).toBe(true);
  expect(snap.groups[0].partitions.every((p) => p.owner !== null)).toBe(true);
  await expect(page.locator("#app [data-testid=narration]")).toContainText("exactly one owner");
});

test("scene unkeyed-spread: records spread over every partition", async ({ page, errors }) => {
  const snap = await scene(page, "unkeyed-spread", 20000);
  const leos = snap.topics[0].partitions.map((p) => p.log_end_offset);
  expect(Math.min(...leos)).toBeGreaterThan(0);
  expect(Math.max(...leos) / Math.min(...leos)).toBeLessThan(4);
  expect(snap.producers[0].key_prefix).toBeNull();
});

test("scene order-id: one order never spans two partitions", async ({ page, errors }) => {
  await scene(page, "order-id", 15000);
  const spread = await keysByPartition(page);
  expect(spread.every((n) => n === 1)).toBe(true);
});

test("scene parallelism: the extra consumer idles, then takes over after a crash", async ({ page, errors }) => {
  let snap = await scene(page, "parallelism", 6000);
  const idle = snap.groups[0].members.filter((m) => m.assigned.length === 0);
  expect(idle.length).toBe(1);
  expect(idle[0].state).toBe("Idle");
  const spare = snap.groups[0].members.indexOf(snap.groups[0].members.find((m) => m.assigned.length === 0));
  await sim(page, (c) => c.seek(20000));
  snap = await sim(page, (c) => c.snapshot());
  expect(snap.groups[0].members[0].state).toBe("Crashed");
  expect(snap.groups[0].members[spare].assigned.length).toBeGreaterThan(0);
  expect(snap.groups[0].partitions.every((p) => p.owner !== null && p.owner !== 0)).toBe(true);
  await page.screenshot({ path: `${ARTIFACTS}scene-parallelism.png` });
});

test("scene crash-before-commit: records are processed twice", async ({ page, errors }) => {
  const snap = await scene(page, "crash-before-commit", 22000);
  expect(snap.groups[0].duplicates).toBeGreaterThan(0);
  expect(snap.groups[0].lost).toBe(0);
  const crashes = await page.evaluate(() => window.__events.filter((e) => e.type === "ConsumerCrashed").map((e) => e.at));
  expect(crashes).toEqual(["after_processing"]);
  await expect(page.locator("#app [data-testid=event-log]")).toContainText("Duplicate");
  await page.screenshot({ path: `${ARTIFACTS}scene-duplicate.png` });
});

test("scene commit-before-processing: records are lost", async ({ page, errors }) => {
  const snap = await scene(page, "commit-before-processing", 22000);
  expect(snap.groups[0].lost).toBeGreaterThan(0);
  expect(snap.groups[0].duplicates).toBe(0);
  await expect(page.locator("#app [data-testid=event-log]")).toContainText("Lost");
  await page.screenshot({ path: `${ARTIFACTS}scene-loss.png` });
});

test("scene auto-commit: a crash between auto-commits reprocesses records", async ({ page, errors }) => {
  const snap = await scene(page, "auto-commit", 24000);
  expect(snap.groups[0].duplicates).toBeGreaterThan(0);
});

test("scene eager-vs-cooperative: the eager group revokes everything, the cooperative one only what moves", async ({ page, errors }) => {
  const snap = await scene(page, "eager-vs-cooperative", 16000);
  expect(snap.groups[0].cooperative).toBe(false);
  expect(snap.groups[1].cooperative).toBe(true);
  for (const g of snap.groups) {
    expect(g.members.length).toBe(3);
    expect(g.members.every((m) => m.assigned.length === 2)).toBe(true);
  }
  const revoked = await page.evaluate(() => window.__events.filter((e) => e.type === "PartitionsRevoked" && e.partitions.length && e.at_ms >= 7000));
  const eagerRevoked = revoked.filter((e) => e.group === 0).reduce((a, e) => a + e.partitions.length, 0);
  const coopRevoked = revoked.filter((e) => e.group === 1).reduce((a, e) => a + e.partitions.length, 0);
  expect(eagerRevoked).toBe(6); // both members gave up all 3 of theirs
  expect(coopRevoked).toBeLessThan(6);
  await page.screenshot({ path: `${ARTIFACTS}scene-eager-vs-cooperative.png` });
});

test("scene four-strategies: four groups, one strategy each, all recover from the crash", async ({ page, errors }) => {
  const snap = await scene(page, "four-strategies", 20000);
  expect(snap.groups.map((g) => g.strategy)).toEqual(["range", "roundrobin", "sticky", "cooperative-sticky"]);
  for (const g of snap.groups) {
    expect(g.members[1].state).toBe("Crashed");
    expect(g.partitions.every((p) => p.owner !== null && p.owner !== 1)).toBe(true);
  }
  await page.screenshot({ path: `${ARTIFACTS}scene-four-strategies.png` });
});

test("scene static-membership: the restarted member gets its partitions back without a rebalance", async ({ page, errors }) => {
  let snap = await scene(page, "static-membership", 4500);
  const before = { rebalances: snap.groups[0].rebalances, assigned: snap.groups[0].members[1].assigned };
  expect(snap.groups[0].members[1].instance_id).toBeTruthy();
  await sim(page, (c) => c.seek(12000));
  snap = await sim(page, (c) => c.snapshot());
  expect(snap.groups[0].rebalances).toBe(before.rebalances);
  expect(snap.groups[0].members[1].assigned).toEqual(before.assigned);
  expect((await page.evaluate(() => window.__events.filter((e) => e.type === "StaticMemberRejoined"))).length).toBe(1);
});

test("scene exactly-once: the crashed transaction aborts, nothing lost, output topic exists", async ({ page, errors }) => {
  const snap = await scene(page, "exactly-once", 18000);
  expect(snap.topics.map((t) => t.name)).toContain("invoices");
  expect(snap.groups[0].lost).toBe(0);
  const aborted = await page.evaluate(() => window.__events.filter((e) => e.type === "TransactionAborted"));
  expect(aborted.length).toBeGreaterThan(0);
  await page.screenshot({ path: `${ARTIFACTS}scene-exactly-once.png` });
});

test("narration: scene picker, auto-pause at a step, next and previous", async ({ page, errors }) => {
  await open(page);
  await page.locator("#app [data-testid=scene]").selectOption("parallelism");
  const text = page.locator("#app [data-testid=narration]");
  await expect(text).toContainText("Four partitions, five consumers");
  expect(await sim(page, (c) => c.nowMs())).toBe(0);
  // Next (paused) plays until the next step starts, then pauses there
  await page.locator("#app [data-action=next-step]").click();
  await expect(text).toContainText("The extra consumer idles", { timeout: 15_000 });
  await expect.poll(() => sim(page, (c) => c.playing)).toBe(false);
  const t = await sim(page, (c) => c.nowMs());
  expect(t).toBeGreaterThanOrEqual(4000);
  await page.locator("#app [data-action=prev-step]").click();
  await expect(text).toContainText("Four partitions, five consumers");
  expect(await sim(page, (c) => c.nowMs())).toBe(0);
  await expect(page.locator("#app .mr-ncount")).toHaveText("1 / 4");
});
