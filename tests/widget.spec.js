// The embeddable widget: the docs demo page with three independent widgets, the custom element's
// scripting API, the iframe page, reduced motion, docs size (800×580) and a phone.
import { test, expect, open, canvasColours, ARTIFACTS } from "./helpers.js";

const widgetSnap = (page, id) => page.evaluate((i) => document.getElementById(i).snapshot(), id);

test("docs demo: three working, independent widgets", async ({ page, errors }) => {
  await open(page, "/docs-demo.html");
  const ids = ["w-parallel", "w-dup", "w-coop"];
  for (const id of ids) expect(await page.evaluate((i) => document.getElementById(i).dataset.ready, id)).toBe("1");
  const names = await Promise.all(ids.map((id) => widgetSnap(page, id).then((s) => s.groups.map((g) => g.id).join(","))));
  expect(names).toEqual(["billing", "billing", "eager,cooperative"]);
  // play one: only it advances
  await page.evaluate(() => document.getElementById("w-parallel").play());
  await page.waitForTimeout(700);
  const times = await Promise.all(ids.map((id) => widgetSnap(page, id).then((s) => s.now_ms)));
  expect(times[0]).toBeGreaterThan(0);
  expect(times[1]).toBe(0);
  expect(times[2]).toBe(0);
  // the prose button scripts the second widget only, through its scene's own crash
  await page.locator("#crash-btn").click();
  expect(await page.evaluate(() => document.getElementById("w-dup").controller.playing)).toBe(true);
  await expect.poll(() => widgetSnap(page, "w-dup").then((s) => s.groups[0].members[0].state)).toBe("Crashed");
  expect((await widgetSnap(page, "w-parallel")).groups[0].members.every((m) => m.state !== "Crashed")).toBe(true);
  // Space inside one widget toggles only that one
  await page.locator("#w-coop .mr-stagebox").focus();
  await page.keyboard.press("Space");
  await page.waitForTimeout(400);
  expect((await widgetSnap(page, "w-coop")).now_ms).toBeGreaterThan(0);
  // …and not the scripted one (which may have paused itself at its next narrated step, 8 s)
  const dupNow = await page.evaluate(() => { const c = document.getElementById("w-dup").controller; return { playing: c.playing, now: c.nowMs() }; });
  expect(dupNow.playing || dupNow.now === 8000).toBe(true);
  // styles stay inside: the page's own paragraphs keep the page font size
  expect(await page.evaluate(() => getComputedStyle(document.querySelector("article p")).fontSize)).toBe("15px");
  expect(await page.evaluate(() => document.getElementById("w-coop").shadowRoot.querySelector(".mr").dataset.theme)).toBe("dark");
  for (const id of ids) expect(await canvasColours(page, `#${id}`)).toBeGreaterThan(5);
  await page.screenshot({ path: `${ARTIFACTS}docs-demo.png`, fullPage: true });
});

test("mount() returns a controller with the documented API", async ({ page, errors }) => {
  await open(page, "/docs-demo.html");
  const api = await page.evaluate(async () => {
    const { mount } = await import("./js/widget.js");
    const div = document.createElement("div");
    document.body.append(div);
    const c = await mount(div, { scenario: "static-membership", controls: "basic", height: "400px" });
    const seen = [];
    c.on("events", (b) => seen.push(...b.map((e) => e.type)));
    c.seek(6000);
    c.apply({ type: "AddConsumer", group: 0 });
    c.step();
    return { fns: ["play", "pause", "step", "seek", "apply", "snapshot", "on"].map((f) => typeof c[f]), now: c.snapshot().now_ms, members: c.snapshot().groups[0].members.length, seen: seen.length };
  });
  expect(api.fns.every((t) => t === "function")).toBe(true);
  expect(api.now).toBeGreaterThanOrEqual(6000);
  expect(api.members).toBe(4);
  expect(api.seen).toBeGreaterThan(0);
});

test("a bad scenario attribute shows an error inside the widget, not a crash", async ({ page, errors }) => {
  await open(page, "/docs-demo.html");
  await page.evaluate(() => {
    const w = document.createElement("kafka-mailroom");
    w.id = "bad";
    w.setAttribute("scenario", "nope.json");
    document.body.append(w);
  });
  await expect(page.locator("#bad .mr-error")).toContainText("could not start");
  errors.length = 0; // the 404 for nope.json is the point of this test
});

test("iframe page: scenario from the query string", async ({ page, errors }) => {
  // a host page on an http origin (frame-ancestors * does not cover about:blank)
  await open(page, "/docs-demo.html");
  await page.evaluate(() => {
    const f = document.createElement("iframe");
    f.id = "f";
    f.width = "800";
    f.height = "580";
    f.src = "embed.html?scenario=crash-before-commit&controls=basic&autoplay=1";
    document.body.prepend(f);
  });
  const frame = page.frameLocator("#f");
  await expect(frame.locator("body[data-ready='1']")).toBeAttached({ timeout: 20_000 });
  const f = page.frame({ url: /embed\.html/ });
  expect(await f.evaluate(() => window.mailroom.scenario().groups[0].commit)).toBe("after_processing");
  await expect.poll(() => f.evaluate(() => window.mailroom.nowMs())).toBeGreaterThan(0);
  await page.screenshot({ path: `${ARTIFACTS}iframe-800x580.png` });
});

test("docs size 800×580: everything fits without horizontal scrolling", async ({ page, errors }) => {
  await page.setViewportSize({ width: 800, height: 580 });
  await open(page, "/embed.html?scenario=eager-vs-cooperative&controls=full");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  expect(await canvasColours(page)).toBeGreaterThan(8);
  await page.screenshot({ path: `${ARTIFACTS}embed-800x580.png` });
});

test("phone: the side panel goes under the stage and the menu still works", async ({ page, errors }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await open(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  const stage = await page.locator("#app [data-testid=stage]").boundingBox();
  expect(stage.width).toBeGreaterThan(300);
  await page.locator("#app [data-testid=consumer-0-0]").click();
  await expect(page.locator("#app [data-testid=consumer-menu]")).toBeVisible();
  await page.screenshot({ path: `${ARTIFACTS}phone.png`, fullPage: true });
});

test("prefers-reduced-motion: no autoplay, no flights", async ({ browser }) => {
  const ctx = await browser.newContext({ reducedMotion: "reduce" });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await open(page);
  expect(await page.evaluate(() => window.mailroom.playing)).toBe(false);
  await page.evaluate(() => window.mailroom.play());
  await page.waitForTimeout(1500);
  expect(await page.evaluate(() => window.mailroom.view.stage.flights.length)).toBe(0);
  expect(await page.evaluate(() => window.mailroom.view.stage.reducedMotion)).toBe(true);
  expect(errors).toEqual([]);
  await ctx.close();
});
