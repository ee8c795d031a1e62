// A newcomer gets each lesson at a glance (issue 13): the guided start, a legend for every mark,
// scenes that show what they say (eager vs cooperative from the snapshots), no stale text, share
// links that keep the scene and step, a coherent scripted docs button, and keyboard focus that
// survives the consumer list's updates.
import { readFileSync } from "node:fs";
import { test, expect, open, sim, ARTIFACTS } from "./helpers.js";

const app = (page, sel) => page.locator(`#app ${sel}`);
/** Seeks the main page's controller to `ms` (a long seek may finish over a few frames). */
async function seekTo(page, ms) {
  await sim(page, (c, t) => { c.pause(); c.seek(t); }, ms);
  await expect.poll(() => sim(page, (c) => c.nowMs())).toBe(ms);
}
/** The deepest focused element's data-testid / data-action (through the widget's shadow root). */
const focused = (page) => page.evaluate(() => {
  let a = document.activeElement;
  while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
  return a ? (a.dataset.testid ?? a.dataset.action ?? a.tagName) : null;
});

test("focus returns to the consumer's button after a menu item and after Escape", async ({ page, errors }) => {
  await open(page);
  await sim(page, (c) => c.play());
  const row = app(page, "[data-testid=consumer-0-1]");
  await row.focus();
  await page.keyboard.press("Enter");
  await expect(app(page, "[data-testid=consumer-menu]")).toBeVisible();
  expect(await focused(page)).not.toBe("consumer-0-1"); // the menu's first item has focus
  // Escape after the member changed state a few times (the list updated meanwhile)
  await page.waitForTimeout(900);
  await page.keyboard.press("Escape");
  await expect(app(page, "[data-testid=consumer-menu]")).toBeHidden();
  expect(await focused(page)).toBe("consumer-0-1");
  // a menu item: pause the consumer (its row changes state at once)
  await page.keyboard.press("Enter");
  const pause = app(page, "[data-testid=consumer-menu] [data-item=PauseConsumer]");
  await pause.focus();
  await page.keyboard.press("Enter");
  await expect(app(page, "[data-testid=consumer-0-1]")).toHaveAttribute("data-state", "Paused");
  expect(await focused(page)).toBe("consumer-0-1");
  await page.waitForTimeout(500); // more updates of the list: focus stays
  expect(await focused(page)).toBe("consumer-0-1");
  // and a crash (another state change)
  await page.keyboard.press("Enter");
  await app(page, "[data-testid=consumer-menu] [data-item='crash:now']").focus();
  await page.keyboard.press("Enter");
  await expect(app(page, "[data-testid=consumer-0-1]")).toHaveAttribute("data-state", "Crashed");
  expect(await focused(page)).toBe("consumer-0-1");
});

test("a skip button reaches the consumers in a few Tabs", async ({ page, errors }) => {
  await open(page);
  let tabs = 0;
  while (tabs < 12 && (await focused(page)) !== "skip-to-consumers") {
    await page.keyboard.press("Tab");
    tabs++;
  }
  expect(await focused(page)).toBe("skip-to-consumers");
  expect(tabs).toBeLessThanOrEqual(7); // two page links, the guided start's three controls, then this
  await page.keyboard.press("Enter");
  expect(await focused(page)).toBe("consumer-0-0");
});

test("no stale end-of-scenario text after a scene loads, a restart or a seek back", async ({ page, errors }) => {
  await open(page, "/#scene=static-membership");
  const status = app(page, "[data-testid=status]");
  const toEnd = async () => {
    await seekTo(page, await sim(page, (c) => c.endMs() - 150));
    await sim(page, (c) => c.play());
  };
  await toEnd();
  await expect(status).toContainText("reached its end");
  await app(page, "[data-testid=scene]").selectOption("user-ordering");
  await expect(app(page, "[data-testid=narration]")).toContainText("keyed by user id");
  await expect(status).not.toContainText("reached its end");
  await toEnd();
  await expect(status).toContainText("reached its end");
  await seekTo(page, 3000);
  await expect(status).not.toContainText("reached its end");
  await toEnd();
  await expect(status).toContainText("reached its end");
  await app(page, "[data-action=restart]").click();
  await expect(status).not.toContainText("reached its end");
});

test("narration follows the current time when scrubbing back", async ({ page, errors }) => {
  await open(page, "/#scene=parallelism");
  const text = app(page, "[data-testid=narration]");
  await seekTo(page, 16000);
  await expect(text).toContainText("hot spare");
  await app(page, "[data-testid=scrubber]").fill("2000");
  await expect(text).toContainText("Four partitions, five consumers");
  await expect(app(page, ".mr-ncount")).toHaveText("1 / 4");
  await app(page, "[data-testid=scrubber]").fill("9500");
  await expect(text).toContainText("consumer-1 crashes");
});

test("a share link made inside a scene reopens that scene at that step, paused", async ({ page, errors }) => {
  await open(page, "/#scene=eager-vs-cooperative");
  await seekTo(page, 9800);
  const text = app(page, "[data-testid=narration]");
  await expect(text).toContainText("Cooperative, round one");
  await app(page, "[data-action=share]").click();
  await expect(app(page, "[data-testid=share-url]")).toHaveValue(/#z=/); // written asynchronously
  const url = await app(page, "[data-testid=share-url]").inputValue();
  expect(url).toMatch(/#z=/);
  await page.goto("about:blank");
  await open(page, new URL(url).pathname + new URL(url).hash);
  await expect(app(page, "[data-testid=narration]")).toContainText("Cooperative, round one");
  await expect(app(page, ".mr-ncount")).toHaveText("4 / 6");
  await expect(app(page, "[data-testid=scene]")).toHaveValue("eager-vs-cooperative");
  expect(await sim(page, (c) => c.nowMs())).toBe(9800);
  expect(await sim(page, (c) => c.playing)).toBe(false);
  await expect(page.locator("[data-testid=guided-start]")).toBeHidden(); // a link is not a first visit
  // An older link (a session without a scene) still opens, as free play.
  const old = await page.evaluate(async () => {
    const { encodeSession } = await import("/js/share.js");
    const s = window.mailroom.session();
    delete s.scene;
    delete s.step;
    return encodeSession({ scenario: s.scenario, inputs: s.inputs, at_ms: 1234 });
  });
  await page.goto("about:blank");
  await open(page, `/${old}`);
  expect(await sim(page, (c) => c.nowMs())).toBeGreaterThanOrEqual(1234);
  await expect(app(page, "[data-testid=narration]")).toBeHidden();
  await expect(app(page, "[data-testid=scene]")).toHaveValue("");
});

test("first visit: a guided start leads into the first lesson; later visits go straight in", async ({ page, errors }) => {
  await open(page);
  const guide = page.locator("[data-testid=guided-start]");
  await expect(guide).toBeVisible();
  // plain English first: no dotted Kafka config name in the heading or the first button
  const heading = await guide.locator("h2").textContent();
  expect(heading).not.toMatch(/\w+\.\w+\.\w+/);
  const startBtn = page.locator("[data-testid=guide-start]");
  await expect(startBtn).toContainText("One user's events stay in order");
  expect(await startBtn.textContent()).not.toMatch(/\w+\.\w+\.\w+|=/);
  // every lesson is listed, the seed's examples first
  const lessons = await page.locator("[data-testid=guide-list] button").evaluateAll((bs) => bs.map((b) => b.dataset.scene));
  expect(lessons.slice(0, 3)).toEqual(["user-ordering", "unkeyed-spread", "order-id"]);
  expect(lessons.length).toBeGreaterThanOrEqual(12);
  // the lesson picker is labelled and comes first in the toolbar
  await expect(page.getByLabel("Guided lesson", { exact: true })).toHaveCount(1);
  const firstControl = await page.evaluate(() => document.querySelector("#app").shadowRoot.querySelector("[role=toolbar]").querySelector("select, button, input")?.dataset.testid);
  expect(firstControl).toBe("scene");
  await page.screenshot({ path: `${ARTIFACTS}newcomer-first-visit.png` });
  await startBtn.click();
  await expect(guide).toBeHidden();
  await expect(app(page, "[data-testid=scene]")).toHaveValue("user-ordering");
  await expect(app(page, "[data-testid=narration]")).toContainText("keyed by user id");
  await page.reload();
  await page.waitForSelector("body[data-ready='1']");
  await expect(page.locator("[data-testid=guided-start]")).toBeHidden();
});

test("?scenario=name opens that lesson without the guided start", async ({ page, errors }) => {
  await open(page, "/?scenario=order-id");
  await expect(app(page, "[data-testid=scene]")).toHaveValue("order-id");
  await expect(page.locator("[data-testid=guided-start]")).toBeHidden();
});

test("the legend names every mark on the stage, with a colour per key", async ({ page, errors }) => {
  await open(page);
  const legend = app(page, "[data-testid=legend]");
  await legend.locator("summary").click();
  const marks = await legend.locator("dt[data-mark]").evaluateAll((ds) => ds.map((d) => d.dataset.mark));
  for (const m of ["envelope", "no-key", "unread", "uncommitted", "committed-record", "committed", "leo", "owner", "no-owner", "leader", "duplicate", "lost", "moved", "stayed", "withheld", "remapped", "transaction"]) expect(marks).toContain(m);
  const text = await legend.textContent();
  for (const s of ["LEO", "★", "?", "lost tray", "duplicate", "withheld", "moved", "stayed", "committed offset", "Read but not committed"]) expect(text).toContain(s);
  // one swatch per key of the default scenario (user-0 … user-19), painted like the stage paints it
  const keys = legend.locator("[data-testid=legend-keys] li");
  await expect(keys).toHaveCount(20);
  const same = await page.evaluate(async () => {
    const { keyColor, THEMES } = await import("/js/palette.js");
    const root = document.querySelector("#app").shadowRoot;
    const theme = THEMES[root.querySelector(".mr").dataset.theme];
    const probe = document.createElement("i");
    document.body.append(probe);
    const out = [0, 3, 17].map((n) => {
      probe.style.color = keyColor(n, theme);
      const want = getComputedStyle(probe).color;
      const sw = root.querySelector(`[data-key="user-${n}"] .mr-sw`);
      return getComputedStyle(sw).backgroundColor === want;
    });
    probe.remove();
    return out;
  });
  expect(same).toEqual([true, true, true]);
  // a tooltip on keyboard focus
  const k3 = legend.locator("[data-key='user-3']");
  await expect(k3).toHaveAttribute("title", "user-3");
  await k3.focus();
  await expect(k3.locator(".mr-tip")).toBeVisible();
  await expect(k3.locator(".mr-tip")).toHaveText("user-3");
  await page.screenshot({ path: `${ARTIFACTS}newcomer-legend.png` });
  // another scenario, other keys
  await app(page, "[data-testid=scene]").selectOption("order-id");
  await expect(legend.locator("[data-key='order-3']")).toHaveCount(1);
  await expect(legend.locator("[data-key='user-3']")).toHaveCount(0);
  // unkeyed records: no key list
  await app(page, "[data-testid=scene]").selectOption("unkeyed-spread");
  await expect(legend.locator("[data-testid=legend-keys]")).toBeHidden();
});

test("crash labels never promise a loss the commit mode cannot produce", async ({ page, errors }) => {
  const labels = async () => {
    await app(page, "[data-testid=consumer-0-0]").click();
    const l = await app(page, "[data-testid=consumer-menu] button").allTextContents();
    await page.keyboard.press("Escape");
    return l.join(" | ");
  };
  await open(page, "/#scene=crash-before-commit"); // at-least-once
  let l = await labels();
  expect(l).not.toMatch(/before processing|lost/i);
  expect(l).toContain("before its commit (→ duplicates)");
  await page.goto("about:blank");
  await open(page, "/#scene=commit-before-processing"); // at-most-once
  l = await labels();
  expect(l).toContain("before processing (→ lost records)");
  expect(l).not.toMatch(/duplicates/);
});

test("eager vs cooperative: eager stops every partition, cooperative only the movers, for less in all", async ({ page, errors }) => {
  await open(page, "/#scene=eager-vs-cooperative");
  // the scene is the scenario the native test measures
  const file = JSON.parse(readFileSync(new URL("../scenarios/eager-vs-cooperative.json", import.meta.url), "utf8"));
  const inScene = await page.evaluate(async () => (await import("/js/scenes.js")).SCENES["eager-vs-cooperative"].scenario);
  expect(inScene).toEqual(file);
  const at = async (t) => { await seekTo(page, t); return sim(page, (c) => c.snapshot()); };
  const before = await at(6999);
  const after = await at(16000);
  const diff = (g) => after.groups[g].partitions.map((p, i) => p.downtime_ms - before.groups[g].partitions[i].downtime_ms);
  const eager = diff(0), coop = diff(1);
  const moved = after.groups[1].partitions.map((p, i) => p.owner !== before.groups[1].partitions[i].owner);
  expect(eager.every((d) => d > 0)).toBe(true);
  coop.forEach((d, i) => expect(d > 0, `cooperative P${i}: ${d} ms, moved ${moved[i]}`).toBe(moved[i]));
  expect(moved.filter(Boolean).length).toBe(2);
  const sum = (v) => v.reduce((a, b) => a + b, 0);
  expect(sum(eager)).toBeGreaterThan(2 * sum(coop));
  expect(Math.max(...eager)).toBeGreaterThanOrEqual(1000);
  // Each step pauses on what its sentence describes.
  const steps = await page.evaluate(async () => (await import("/js/scenes.js")).SCENES["eager-vs-cooperative"].steps);
  const owners = (s, g) => s.groups[g].partitions.map((p) => p.owner);
  let s = await at(steps[2].at_ms); // eager consumer-2 gave up everything; cooperative gave up nothing
  expect(steps[2].text).toContain("P3, P4 and P5 have no owner");
  expect(owners(s, 0).slice(3)).toEqual([null, null, null]);
  expect(owners(s, 0).slice(0, 3).every((o) => o === 0)).toBe(true);
  expect(owners(s, 1).every((o) => o !== null)).toBe(true);
  s = await at(steps[3].at_ms); // cooperative round one: P4 revoked, P5 withheld but still worked on
  expect(owners(s, 1)[4]).toBeNull();
  expect(owners(s, 1)[5]).toBe(1);
  expect(owners(s, 1).filter((o) => o === null).length).toBe(1);
  expect(owners(s, 0).slice(3)).toEqual([null, null, null]);
  const marks = await page.evaluate(() => [4, 5].map((p) => window.mailroom.view.rebalance.marks(1).get(`0:${p}`)?.kind));
  expect(marks).toEqual(["withheld", "withheld"]);
  s = await at(steps[4].at_ms); // eager: new assignment, every partition owned again
  expect(owners(s, 0).every((o) => o !== null)).toBe(true);
  expect(owners(s, 1)[4]).toBeNull();
  s = await at(steps[5].at_ms); // cooperative round two: consumer-3 has P4 and P5
  expect(owners(s, 1).slice(4)).toEqual([2, 2]);
  for (const st of steps) expect(st.text).not.toMatch(/go grey/);
  await page.screenshot({ path: `${ARTIFACTS}newcomer-eager-vs-cooperative.png` });
});

test("docs demo: the scripted crash button keeps its lesson whenever it is pressed", async ({ page, errors }) => {
  await open(page, "/docs-demo.html");
  const snap = () => page.evaluate(() => document.getElementById("w-dup").snapshot());
  const btn = page.locator("#crash-btn");
  await expect(btn).toContainText("crash consumer 1 before it commits");
  // pressed before playing: the scene jumps to its own crash, consumer-1 dies, consumer-2 lives
  await btn.click();
  await expect.poll(async () => (await snap()).groups[0].members[0].state, { timeout: 20_000 }).toBe("Crashed");
  expect((await snap()).groups[0].members[1].state).not.toBe("Crashed");
  await expect(btn).toContainText("watch that crash again");
  // the outcome the narration promises: consumer-2 takes over and processes records again
  await page.evaluate(() => document.getElementById("w-dup").seek(20000));
  const end = await snap();
  expect(end.groups[0].duplicates).toBeGreaterThan(0);
  expect(end.groups[0].members[1].state).not.toBe("Crashed");
  const narration = page.locator("#w-dup [data-testid=narration]");
  await expect(narration).toContainText("processes those records again");
  // pressed again after the crash: it replays the crash, still the same story
  await btn.click();
  const again = await snap();
  expect(again.now_ms).toBeGreaterThanOrEqual(5000);
  expect(again.now_ms).toBeLessThan(8000);
  expect(again.groups[0].members[1].state).not.toBe("Crashed");
  await expect(narration).toContainText("consumer-1 is set to crash");
});
