// The "Why?" panel (issue 21) in real Chromium: the cause chain of each duplicate, loss,
// acknowledged loss, log duplicate, share redelivery and archived record. Opened by mouse (a
// counter, a mark on the stage, a log line, a lesson's step) and by keyboard only (Tab, Enter);
// the panel's records equal the page's counter and the model's own explanation; a step moves the
// player to its moment (clock and scrubber); Escape closes it and the focus goes back to the
// opener; the same inside the embeddable widget; it renders in the dark theme, on a phone and in a
// 720×460 docs iframe without overflowing (photos in tests/artifacts/why-*.png), and passes axe.
import { AxeBuilder } from "@axe-core/playwright";
import { test, expect, open, sim, frames, ARTIFACTS } from "./helpers.js";

const app = (page, sel) => page.locator(`#app ${sel}`);
const panel = (page, host = "#app") => page.locator(`${host} [data-testid=why]`);

/** A returning reader (no guided start) on `path`, paused at `ms`, the panels caught up. */
async function openAt(page, path, ms) {
  await page.addInitScript(() => { try { localStorage.setItem("mailroom.guide-seen", "1"); } catch { /* */ } });
  await open(page, path);
  await sim(page, (c, t) => { c.pause(); c.seek(t); }, ms);
  await expect.poll(() => sim(page, (c) => c.nowMs())).toBe(ms);
  await page.waitForTimeout(300); // the panels refresh every 120 ms
  await frames(page);
}

/** The model's own records for a kind (and owner) up to now: what the panel must add up to. */
function modelRecords(page, kind, owner, host = null) {
  return page.evaluate(([k, o, h]) => {
    const c = h ? document.querySelector(h).controller : window.mailroom;
    const field = { duplicate: "group", lost: "group", "acked-lost": "producer", "log-duplicate": "producer", redelivery: "share_group", archived: "share_group" }[k];
    const out = c.explain(5e6);
    const cases = out.cases.filter((x) => x.kind === k && (o === null || x[field] === o));
    return { records: cases.reduce((s, x) => s + x.records, 0), cases: cases.length, complete: out.complete };
  }, [kind, owner, host]);
}

/** A description of the focused element inside a widget's shadow root. */
function focused(page, host = "#app") {
  return page.evaluate((h) => {
    const a = document.querySelector(h).shadowRoot.activeElement;
    if (!a) return null;
    return { tag: a.tagName.toLowerCase(), testid: a.dataset.testid ?? null, why: a.dataset.why ?? null, action: a.dataset.action ?? null, step: a.classList.contains("mr-why-step"), at: a.dataset.at ?? null };
  }, host);
}

/** Waits for the panel's answer and checks its case list against its own figures. */
async function answered(page, host = "#app") {
  const p = panel(page, host);
  await expect(p).toBeVisible();
  await expect(p).toHaveAttribute("data-state", /^(done|empty)$/, { timeout: 30_000 });
  const cases = Number(await p.getAttribute("data-cases"));
  const records = Number(await p.getAttribute("data-records"));
  const shown = await p.locator("li.mr-why-case").evaluateAll((lis) => lis.map((li) => Number(li.dataset.records)));
  if (cases <= 100) {
    expect(shown.length).toBe(cases);
    expect(shown.reduce((a, b) => a + b, 0)).toBe(records);
  }
  return { cases, records };
}

test("mouse: the duplicates counter opens each duplicate's chain; its records equal the counter; a step moves the player; Escape gives the focus back", async ({ page, errors }) => {
  await openAt(page, "/?scenario=crash-before-commit", 24000);
  const dups = Number(await app(page, "[data-testid=count-duplicates]").textContent());
  expect(dups).toBeGreaterThan(0);
  const counter = app(page, "[data-testid=count-duplicates] button");
  await expect(counter).toHaveAttribute("aria-label", `${dups} duplicate${dups === 1 ? "" : "s"}: why?`);
  await counter.click();
  const { cases, records } = await answered(page);
  await expect(panel(page)).toHaveAttribute("data-state", "done");
  expect(records).toBe(dups);
  expect(await modelRecords(page, "duplicate", null)).toEqual({ records: dups, cases, complete: true });
  await expect(app(page, "[data-testid=why-scope]")).toContainText(`billing: ${dups} duplicate`);
  await expect(panel(page).locator("h3")).toHaveText("Why? duplicates · billing");
  await expect(app(page, "[data-testid=why-reach]")).toHaveText("Explained the whole run up to now (24.0 s).");
  // Most recent first, the first one open, its summary and steps in sentences.
  const ats = await panel(page).locator("li.mr-why-case").evaluateAll((lis) => lis.map((li) => Number(li.dataset.at)));
  expect(ats).toEqual([...ats].sort((a, b) => b - a));
  const first = panel(page).locator("li.mr-why-case").first();
  await expect(first.locator("details")).toHaveAttribute("open", "");
  await expect(first.locator("summary")).toContainText("processed");
  const steps = first.locator("button.mr-why-step");
  expect(await steps.count()).toBeGreaterThan(1);
  // Follow the first step: the player goes there, paused; clock and scrubber say so; it is marked.
  const at = Number(await steps.first().getAttribute("data-at"));
  expect(at).toBeLessThan(24000);
  await steps.first().click();
  await expect.poll(() => sim(page, (c) => c.nowMs())).toBe(at);
  expect(await sim(page, (c) => c.playing)).toBe(false);
  await expect(app(page, "[data-testid=scrubber]")).toHaveValue(String(at));
  await expect(app(page, "[data-testid=clock]")).toHaveText(await page.evaluate((ms) => (ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`), at));
  await expect(steps.first()).toHaveAttribute("aria-current", "step");
  await expect(panel(page).locator("[aria-current=step]")).toHaveCount(1);
  // Another step moves the mark.
  const last = steps.last();
  const atLast = Number(await last.getAttribute("data-at"));
  await last.click();
  await expect.poll(() => sim(page, (c) => c.nowMs())).toBe(atLast);
  await expect(last).toHaveAttribute("aria-current", "step");
  await expect(steps.first()).not.toHaveAttribute("aria-current", "step");
  // Escape closes; the counter that opened it has the focus again.
  await page.keyboard.press("Escape");
  await expect(panel(page)).toBeHidden();
  expect(await focused(page)).toMatchObject({ tag: "button", why: "duplicate" });
  expect(errors).toEqual([]);
});

test("a replay cut short by its budget says honestly how far it explained", async ({ page, errors }) => {
  await openAt(page, "/?scenario=crash-before-commit", 24000);
  await sim(page, (c) => { c.view.why.budget = 500; }); // model steps: far too few for 24 s
  await app(page, "[data-testid=count-duplicates] button").click();
  await answered(page);
  await expect(panel(page)).toHaveAttribute("data-complete", "0");
  const reached = Number(await panel(page).getAttribute("data-reached"));
  expect(reached).toBeLessThan(24000);
  const secs = reached < 10_000 ? `${(reached / 1000).toFixed(2)} s` : `${(reached / 1000).toFixed(1)} s`;
  await expect(app(page, "[data-testid=why-reach]")).toHaveText(`Explained up to ${secs} of 24.0 s: the replay ran out of its budget, so cases after ${secs} are missing.`);
  await page.keyboard.press("Escape");
  expect(errors).toEqual([]);
});

test("keyboard only: Tab to the lost counter, Enter opens the chain, Tab and Enter follow a step, Escape closes and the focus returns", async ({ page, errors }) => {
  await openAt(page, "/?scenario=commit-before-processing", 24000);
  const lost = Number(await app(page, "[data-testid=count-lost]").textContent());
  expect(lost).toBeGreaterThan(0);
  await page.locator("body").click({ position: { x: 2, y: 2 } });
  let d = null;
  for (let i = 0; i < 150 && d?.why !== "lost"; i++) {
    await page.keyboard.press("Tab");
    d = await focused(page);
  }
  expect(d?.why, "Tab reaches the lost counter").toBe("lost");
  await page.keyboard.press("Enter");
  const { records } = await answered(page);
  expect(records).toBe(lost);
  expect((await modelRecords(page, "lost", null)).records).toBe(lost);
  expect((await focused(page))?.testid, "the panel has the focus").toBe("why");
  await expect(panel(page).locator("li.mr-why-case").first()).toContainText("commit");
  // Tab into the chain: the close button, the case's summary, then its first step.
  for (let i = 0; i < 12 && !d?.step; i++) {
    await page.keyboard.press("Tab");
    d = await focused(page);
  }
  expect(d?.step, "Tab reaches a step").toBe(true);
  const at = Number(d.at);
  await page.keyboard.press("Enter");
  await expect.poll(() => sim(page, (c) => c.nowMs())).toBe(at);
  await expect(app(page, "[data-testid=scrubber]")).toHaveValue(String(at));
  expect((await focused(page))?.step, "the step keeps the focus").toBe(true);
  await expect(panel(page).locator("button[aria-current=step]")).toHaveAttribute("data-at", String(at));
  await page.keyboard.press("Escape");
  await expect(panel(page)).toBeHidden();
  expect((await focused(page))?.why, "focus back on the lost counter").toBe("lost");
  // Enter again opens it again; the close button closes it too.
  await page.keyboard.press("Enter");
  await expect(panel(page)).toBeVisible();
  await app(page, "[data-action=why-close]").focus();
  await page.keyboard.press("Enter");
  await expect(panel(page)).toBeHidden();
  expect((await focused(page))?.why).toBe("lost");
  expect(errors).toEqual([]);
});

test("a mark on the stage and a line of the event log open the chain for their case", async ({ page, errors }) => {
  await openAt(page, "/?scenario=crash-before-commit", 24000);
  const dups = Number(await app(page, "[data-testid=count-duplicates]").textContent());
  // The tray's "duplicates: N" on the canvas.
  const hit = await sim(page, (c) => c.view.stage.hits.find((h) => h.kind === "why" && h.why.kind === "duplicate"));
  expect(hit, "the tray's duplicates counter is clickable").toBeTruthy();
  await app(page, "canvas[data-testid=stage]").click({ position: { x: hit.x + hit.w / 2, y: hit.y + hit.h / 2 } });
  expect((await answered(page)).records).toBe(dups);
  await page.keyboard.press("Escape");
  await expect(panel(page)).toBeHidden();
  expect((await focused(page))?.tag, "focus on the stage, the mark's focusable home").toBe("div");
  // A "Duplicate: …" line of the log: its partition, its offset's case open.
  const line = app(page, "[data-testid=event-log] li[data-type=DuplicatesProcessed]").last();
  await expect(line).toBeVisible();
  const text = await line.textContent();
  const partition = Number(/user-activity-(\d+)/.exec(text)[1]);
  await line.locator("button[data-action=why-log]").click();
  const { cases, records } = await answered(page);
  expect(cases).toBeGreaterThan(0);
  expect(records).toBeLessThanOrEqual(dups);
  const parts = await panel(page).locator("li.mr-why-case").evaluateAll((lis) => lis.map((li) => Number(li.dataset.partition)));
  expect(new Set(parts)).toEqual(new Set([partition]));
  await expect(app(page, "[data-testid=why-scope]")).toContainText(`on user-activity-${partition}`);
  await expect(panel(page).locator("details[open]")).toHaveCount(1);
  // Widen to the group's every case: back to the counter's figure.
  if (records < dups) {
    await app(page, "[data-action=why-all]").click();
    await expect(panel(page)).toHaveAttribute("data-records", String(dups));
  }
  await page.keyboard.press("Escape");
  await expect(panel(page)).toBeHidden();
  expect(errors).toEqual([]);
});

test("lessons' Why? links: at-least-once crash, at-most-once loss, acks=1 leader crash and the poison message; producer and share figures match", async ({ page, errors }) => {
  test.setTimeout(120_000);
  await openAt(page, "/", 0);
  const lesson = async (name, stepIndex) => {
    await sim(page, (c, [n, i]) => { c.view.loadScene(n); c.pause(); c.seek(c.view.steps[i].at_ms); }, [name, stepIndex]);
    await expect(app(page, ".mr-ncount")).toHaveText(new RegExp(`^${stepIndex + 1} / `));
    await page.waitForTimeout(300);
  };
  const whyLink = app(page, "[data-action=why-step]");
  // At-least-once: the step that says the successor processes the records again.
  await lesson("crash-before-commit", 3);
  await expect(whyLink).toBeVisible();
  await whyLink.click();
  let r = await answered(page);
  expect(r.records).toBeGreaterThan(0);
  expect(r.records).toBe(Number(await app(page, "[data-testid=count-duplicates]").textContent()));
  await expect(app(page, "[data-testid=why-scope]")).toContainText("billing:");
  await page.keyboard.press("Escape");
  expect((await focused(page))?.action, "focus back on the lesson's Why?").toBe("why-step");
  // …and a step without a duplicate or loss has no link.
  await lesson("crash-before-commit", 0);
  await expect(whyLink).toBeHidden();
  // At-most-once: the lost records.
  await lesson("commit-before-processing", 3);
  await whyLink.click();
  r = await answered(page);
  expect(r.records).toBeGreaterThan(0);
  expect(r.records).toBe(Number(await app(page, "[data-testid=count-lost]").textContent()));
  await page.keyboard.press("Escape");
  // acks=1: the acknowledged records the leader took with it; the producer's figure agrees.
  await lesson("acks-1-leader-crash-loses-acked", 4);
  await whyLink.click();
  r = await answered(page);
  const ackedLost = Number((await app(page, "[data-testid=producer-figures-0] [data-field=acked_lost]").textContent()).split(" ")[0]);
  expect(ackedLost).toBeGreaterThan(0);
  expect(r.records).toBe(ackedLost);
  await expect(app(page, "[data-testid=why-scope]")).toContainText(`checkout: ${ackedLost} acknowledged records lost`);
  await page.keyboard.press("Escape");
  await app(page, "[data-testid=producer-figures-0] [data-field=acked_lost] button").click();
  expect((await answered(page)).records).toBe(ackedLost);
  await page.keyboard.press("Escape");
  expect((await focused(page))?.why).toBe("acked-lost");
  // …and so does the "acked lost" line of the receipt stub under checkout on the stage.
  const stub = await sim(page, (c) => c.view.stage.hits.find((h) => h.kind === "why" && h.why.kind === "acked-lost"));
  expect(stub, "the receipt stub's acked-lost line is clickable").toMatchObject({ why: { owner: "checkout" } });
  await app(page, "canvas[data-testid=stage]").click({ position: { x: stub.x + stub.w / 2, y: stub.y + stub.h / 2 } });
  expect((await answered(page)).records).toBe(ackedLost);
  await page.keyboard.press("Escape");
  // The poison message: archived once after four redeliveries; the share figures agree.
  await lesson("poison-message", 4);
  await whyLink.click();
  r = await answered(page);
  expect(r.records).toBe(1);
  await expect(panel(page).locator("li.mr-why-case").first()).toHaveAttribute("data-offset", "7");
  await page.keyboard.press("Escape");
  await app(page, "[data-testid=share-figures-0] button[data-why=redelivery]").click();
  r = await answered(page);
  expect(r.records).toBe(4);
  expect((await modelRecords(page, "redelivery", "payment-workers")).records).toBe(4);
  await expect(app(page, "[data-testid=share-figures-0]")).toContainText("4 redeliveries · 1 archived · 0 lost");
  await page.keyboard.press("Escape");
  expect(errors).toEqual([]);
});

test("in the embeddable widget: a counter opens the chain, a step moves that widget's player, Escape gives the focus back", async ({ page, errors }) => {
  await open(page, "/docs-demo.html");
  await page.evaluate(() => { const w = document.getElementById("w-dup"); w.pause(); w.seek(24000); });
  await expect.poll(() => page.evaluate(() => document.getElementById("w-dup").controller.nowMs())).toBe(24000);
  await page.waitForTimeout(300);
  const dups = Number(await page.locator("#w-dup [data-testid=count-duplicates]").textContent());
  expect(dups).toBeGreaterThan(0);
  await page.locator("#w-dup [data-testid=count-duplicates] button").focus();
  await page.keyboard.press("Enter");
  const { records } = await answered(page, "#w-dup");
  expect(records).toBe(dups);
  expect((await modelRecords(page, "duplicate", null, "#w-dup")).records).toBe(dups);
  // Only that widget has a panel open.
  await expect(panel(page, "#w-parallel")).toBeHidden();
  const step = panel(page, "#w-dup").locator("button.mr-why-step").first();
  const at = Number(await step.getAttribute("data-at"));
  await step.click();
  await expect.poll(() => page.evaluate(() => document.getElementById("w-dup").controller.nowMs())).toBe(at);
  await expect(page.locator("#w-dup [data-testid=scrubber]")).toHaveValue(String(at));
  expect(await page.evaluate(() => document.getElementById("w-parallel").controller.nowMs())).toBe(0);
  // The panel stays inside its widget.
  const inside = await page.evaluate(() => {
    const root = document.getElementById("w-dup").shadowRoot;
    const p = root.querySelector("[data-testid=why]").getBoundingClientRect(), m = root.querySelector(".mr").getBoundingClientRect();
    return p.left >= m.left - 1 && p.right <= m.right + 1 && p.top >= m.top - 1 && p.bottom <= m.bottom + 1;
  });
  expect(inside).toBe(true);
  await page.locator("#w-dup [data-testid=why]").screenshot({ path: `${ARTIFACTS}why-widget.png` });
  await page.keyboard.press("Escape");
  await expect(panel(page, "#w-dup")).toBeHidden();
  expect(await focused(page, "#w-dup")).toMatchObject({ why: "duplicate" });
  expect(errors).toEqual([]);
});

/** The open panel's box, its overflow and background, measured in the widget's shadow root. */
function measure(page) {
  return page.evaluate(() => {
    const root = document.querySelector("#app").shadowRoot;
    const p = root.querySelector("[data-testid=why]");
    const r = p.getBoundingClientRect();
    const wide = [...p.querySelectorAll("*")].filter((e) => e.getClientRects().length && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== "visible" && e !== p).map((e) => e.className);
    return {
      left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height,
      sideways: p.scrollWidth > p.clientWidth + 1, wide, vw: innerWidth, pageSideways: document.documentElement.scrollWidth > innerWidth + 1,
      bg: getComputedStyle(p).backgroundColor, ink: getComputedStyle(p).color, theme: root.querySelector(".mr").dataset.theme,
    };
  });
}
const luminance = (rgb) => { const [r, g, b] = rgb.match(/\d+/g).map(Number); return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255; };

for (const [name, viewport, path, scheme] of [
  ["dark theme at 1280×800", { width: 1280, height: 800 }, "/?scenario=crash-before-commit", "dark"],
  ["phone (390×844)", { width: 390, height: 844 }, "/?scenario=crash-before-commit", "light"],
  ["phone (390×844), dark", { width: 390, height: 844 }, "/?scenario=crash-before-commit", "dark"],
  ["docs iframe (720×460)", { width: 720, height: 460 }, "/embed.html?scenario=crash-before-commit&controls=full", "light"],
]) {
  test(`the panel renders in the ${name}: visible, inside the view, nothing overflowing`, async ({ page, errors }) => {
    await page.setViewportSize(viewport);
    await page.emulateMedia({ colorScheme: scheme });
    await openAt(page, path, 24000);
    const counter = app(page, "[data-testid=count-duplicates] button");
    await counter.scrollIntoViewIfNeeded();
    await counter.click();
    await answered(page);
    const m = await measure(page);
    expect(m.theme).toBe(scheme);
    expect(m.width).toBeGreaterThan(200);
    expect(m.height).toBeGreaterThan(80);
    expect(m.left).toBeGreaterThanOrEqual(0);
    expect(m.right).toBeLessThanOrEqual(m.vw + 0.5);
    expect(m.sideways, "no sideways scrolling inside the panel").toBe(false);
    expect(m.wide, "no element of the panel cut sideways").toEqual([]);
    expect(m.pageSideways, "the page does not scroll sideways").toBe(false);
    if (scheme === "dark") { expect(luminance(m.bg)).toBeLessThan(0.25); expect(luminance(m.ink)).toBeGreaterThan(0.75); } else expect(luminance(m.bg)).toBeGreaterThan(0.9);
    // The close button and a step are on screen (or scrolled to), usable at this size.
    await expect(app(page, "[data-action=why-close]")).toBeInViewport();
    const step = panel(page).locator("button.mr-why-step").first();
    await step.scrollIntoViewIfNeeded();
    await expect(step).toBeInViewport();
    await page.screenshot({ path: `${ARTIFACTS}why-${viewport.width}x${viewport.height}-${scheme}.png` });
    await step.click();
    await expect(step).toHaveAttribute("aria-current", "step");
    await page.keyboard.press("Escape");
    await expect(panel(page)).toBeHidden();
    expect(errors).toEqual([]);
  });
}

for (const scheme of ["light", "dark"]) {
  test(`axe with the panel open (${scheme}): no serious or critical violation`, async ({ browser }) => {
    const context = await browser.newContext({ bypassCSP: true, colorScheme: scheme, reducedMotion: "reduce" });
    const page = await context.newPage();
    await openAt(page, "/?scenario=crash-before-commit", 24000);
    await app(page, "[data-testid=count-duplicates] button").click();
    await answered(page);
    const { violations } = await new AxeBuilder({ page }).analyze();
    const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)).join(" ")}`);
    expect(bad).toEqual([]);
    await context.close();
  });
}
