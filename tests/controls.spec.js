// Each control drives the expected state change, asserted through the controller and the DOM.
import { test, expect, open, sim, setSpeed, recordEvents, ARTIFACTS } from "./helpers.js";

const app = (page, sel) => page.locator(`#app ${sel}`);

test("Space and the play button pause and resume", async ({ page, errors }) => {
  await open(page);
  expect(await sim(page, (c) => c.playing)).toBe(true);
  await page.locator("body").press("Space");
  expect(await sim(page, (c) => c.playing)).toBe(false);
  const t = await sim(page, (c) => c.nowMs());
  await page.waitForTimeout(400);
  expect(await sim(page, (c) => c.nowMs())).toBe(t); // paused means paused
  await expect(app(page, "[data-action=play]")).toHaveAttribute("aria-pressed", "false");
  await app(page, "[data-action=play]").click();
  expect(await sim(page, (c) => c.playing)).toBe(true);
  await expect(app(page, "[data-action=play]")).toHaveText(/Pause/);
});

test("step advances to the next event and pauses", async ({ page, errors }) => {
  await open(page);
  await sim(page, (c) => c.pause());
  await recordEvents(page);
  const t0 = await sim(page, (c) => c.nowMs());
  await app(page, "[data-action=step]").click();
  const t1 = await sim(page, (c) => c.nowMs());
  expect(t1).toBeGreaterThan(t0);
  expect(await page.evaluate(() => window.__events.length)).toBeGreaterThan(0);
  expect(await sim(page, (c) => c.playing)).toBe(false);
  await page.locator("body").press(".");
  expect(await sim(page, (c) => c.nowMs())).toBeGreaterThan(t1);
});

test("the speed slider is logarithmic and speeds simulated time up", async ({ page, errors }) => {
  await open(page);
  await setSpeed(page, 10);
  expect(await sim(page, (c) => c.speed)).toBeCloseTo(10, 1);
  await expect(app(page, ".mr-speed output")).toHaveText("10×");
  const t0 = await sim(page, (c) => c.nowMs());
  await page.waitForTimeout(1000);
  expect((await sim(page, (c) => c.nowMs())) - t0).toBeGreaterThan(4000);
  await setSpeed(page, 0.1);
  expect(await sim(page, (c) => c.speed)).toBeCloseTo(0.1, 2);
});

test("the scrubber rewinds by replaying from the seed: same state at the same time", async ({ page, errors }) => {
  await open(page);
  await sim(page, (c) => c.pause());
  await sim(page, (c) => c.seek(8000));
  const at8 = await sim(page, (c) => JSON.stringify(c.snapshot()));
  await sim(page, (c) => c.seek(12000));
  // drag the scrubber back to 8 s
  await app(page, "[data-testid=scrubber]").fill("8000");
  await expect.poll(() => sim(page, (c) => c.nowMs())).toBe(8000);
  expect(await sim(page, (c) => JSON.stringify(c.snapshot()))).toBe(at8);
});

test("inputs are replayed on rewind, and a new input forks the timeline", async ({ page, errors }) => {
  await open(page);
  await sim(page, (c) => { c.pause(); c.seek(3000); c.apply({ type: "CrashConsumer", group: 0, member: 0, at: "now" }); c.seek(5000); });
  expect(await sim(page, (c) => c.snapshot().groups[0].members[0].state)).toBe("Crashed");
  await sim(page, (c) => c.seek(2000));
  expect(await sim(page, (c) => c.snapshot().groups[0].members[0].state)).not.toBe("Crashed");
  await sim(page, (c) => c.seek(4000));
  expect(await sim(page, (c) => c.snapshot().groups[0].members[0].state)).toBe("Crashed"); // replayed at 3 s
  await sim(page, (c) => { c.seek(1000); c.apply({ type: "AddConsumer", group: 0 }); c.seek(6000); });
  const g = await sim(page, (c) => c.snapshot().groups[0]);
  expect(g.members.length).toBe(4);
  expect(g.members[0].state).not.toBe("Crashed"); // the crash at 3 s was in the abandoned future
});

test("+ consumer adds a member that joins the group", async ({ page, errors }) => {
  await open(page);
  await app(page, "[data-action=add-consumer]").click();
  await expect.poll(() => sim(page, (c) => c.snapshot().groups[0].members.length)).toBe(4);
  await setSpeed(page, 20);
  await expect.poll(() => sim(page, (c) => c.snapshot().groups[0].members[3].assigned.length), { timeout: 15_000 }).toBeGreaterThan(0);
  await expect(app(page, "[data-testid=consumer-0-3]")).toBeVisible();
});

test("+ partition grows the topic", async ({ page, errors }) => {
  await open(page);
  await app(page, "[data-action=add-partition]").click();
  await expect.poll(() => sim(page, (c) => c.snapshot().topics[0].partitions.length)).toBe(7);
  await expect(app(page, "[data-testid=status]")).toContainText("7 partitions");
});

test("strategy, delivery, key mode and rate controls", async ({ page, errors }) => {
  await open(page);
  await setSpeed(page, 20);
  await app(page, "[data-testid=strategy]").selectOption("roundrobin");
  await expect.poll(() => sim(page, (c) => c.snapshot().groups[0].strategy), { timeout: 15_000 }).toBe("roundrobin");

  await app(page, "[data-testid=rate]").fill("9");
  await app(page, "[data-testid=rate]").press("Enter");
  await expect.poll(() => sim(page, (c) => c.snapshot().producers[0].rate_per_sec)).toBe(9);

  await app(page, "[data-testid=delivery]").selectOption("before_processing");
  expect(await sim(page, (c) => c.scenario().groups[0].commit)).toBe("before_processing");

  await app(page, "[data-testid=keys]").selectOption("none");
  expect(await sim(page, (c) => c.scenario().producers[0].keys.mode)).toBe("none");
  await expect.poll(() => sim(page, (c) => c.snapshot().producers[0].produced)).toBeGreaterThan(3);
  expect(await sim(page, (c) => c.snapshot().producers[0].key_prefix)).toBeNull();
});

test("the consumer menu works from the keyboard (list button → menu → Escape)", async ({ page, errors }) => {
  await open(page);
  const btn = app(page, "[data-testid=consumer-0-0]");
  await btn.focus();
  await page.keyboard.press("Enter");
  const menu = app(page, "[data-testid=consumer-menu]");
  await expect(menu).toBeVisible();
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Escape");
  await expect(menu).toBeHidden();
  await btn.click();
  await menu.locator("[data-item=PauseConsumer]").click();
  await expect.poll(() => sim(page, (c) => c.snapshot().groups[0].members[0].state)).toBe("Paused");
  await btn.click();
  await menu.locator("[data-item=ResumeConsumer]").click();
  await expect.poll(() => sim(page, (c) => c.snapshot().groups[0].members[0].state)).not.toBe("Paused");
  await btn.click();
  await menu.locator("[data-item=LeaveGroup]").click();
  await expect.poll(() => sim(page, (c) => c.snapshot().groups[0].members[0].state)).toBe("Left");
  await btn.click();
  await menu.locator("[data-item=RestartConsumer]").click();
  await expect.poll(() => sim(page, (c) => c.snapshot().groups[0].members[0].state)).not.toBe("Left");
});

test("crash after processing / after commit are scheduled from the menu", async ({ page, errors }) => {
  await open(page);
  await recordEvents(page);
  await app(page, "[data-testid=consumer-0-0]").click();
  await app(page, "[data-testid=consumer-menu] [data-item='crash:after_processing']").click();
  await setSpeed(page, 10);
  await expect.poll(() => page.evaluate(() => window.__events.filter((e) => e.type === "ConsumerCrashed").map((e) => e.at)), { timeout: 15_000 }).toEqual(["after_processing"]);
  await expect(app(page, "[data-testid=event-log]")).toContainText("crashed after processing");
});

test("a share link replays the session exactly", async ({ page, errors, context }) => {
  await open(page);
  await sim(page, (c) => { c.pause(); c.seek(2500); c.apply({ type: "CrashConsumer", group: 0, member: 2, at: "now" }); c.seek(4000); });
  await app(page, "[data-action=share]").click();
  await expect(app(page, "[data-testid=share-url]")).toHaveValue(/#z=/); // written asynchronously
  const url = await app(page, "[data-testid=share-url]").inputValue();
  expect(url).toContain("#z=");
  const snap = await sim(page, (c) => JSON.stringify(c.snapshot()));
  const other = await context.newPage();
  await open(other, url.replace(/^https?:\/\/[^/]+/, ""));
  await sim(other, (c) => c.pause());
  await sim(other, (c) => c.seek(4000));
  expect(await sim(other, (c) => JSON.stringify(c.snapshot()))).toBe(snap);
  expect(await sim(other, (c) => c.snapshot().groups[0].members[2].state)).toBe("Crashed");
  await other.close();
});

test("export downloads the session; import loads it back", async ({ page, errors }) => {
  await open(page);
  await sim(page, (c) => { c.pause(); c.seek(1500); c.apply({ type: "AddConsumer", group: 0 }); c.seek(3000); });
  const dl = page.waitForEvent("download");
  await app(page, "[data-action=export]").click();
  const file = await (await dl).path();
  const { readFileSync } = await import("node:fs");
  const session = JSON.parse(readFileSync(file, "utf8"));
  expect(session.scenario.topics[0].name).toBe("user-activity");
  expect(session.inputs).toEqual([{ at_ms: 1500, input: { type: "AddConsumer", group: 0 } }]);
  await app(page, "[data-action=restart]").click();
  // import the same file after changing the scenario
  await app(page, "[data-testid=keys]").selectOption("order");
  await app(page, "[data-testid=import-file]").setInputFiles(file);
  await expect(app(page, "[data-testid=status]")).toContainText("Imported");
  expect(await sim(page, (c) => c.snapshot().groups[0].members.length)).toBe(4);
  expect(await sim(page, (c) => c.scenario().producers[0].keys.prefix)).toBe("user");
  // a broken file is refused with a readable message
  await app(page, "[data-testid=import-file]").setInputFiles({ name: "bad.json", mimeType: "application/json", buffer: Buffer.from('{"topics": []}') });
  await expect(app(page, "[data-testid=status]")).toContainText("Could not import bad.json");
});

test("light and dark themes", async ({ page, errors }) => {
  await open(page);
  const theme = () => page.evaluate(() => document.querySelector("#app").shadowRoot.querySelector(".mr").dataset.theme);
  const first = await theme();
  await app(page, "[data-action=theme]").click();
  expect(await theme()).not.toBe(first);
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${ARTIFACTS}main-${await theme()}.png` });
});
