// Accessibility, measured (issue 9, point 5).
//  1. axe-core (through @axe-core/playwright) finds no serious or critical violation on the main
//     page, the docs demo page and the iframe page, in the light and the dark theme (the widgets
//     follow prefers-color-scheme; the docs demo also has one widget fixed to dark), on the main
//     page also with consumers crashed, paused, left and running and a consumer's menu open. axe is
//     injected from a context created with bypassCSP: the server's CSP forbids inline scripts.
//  2. Keyboard only: Tab from the top of the main page reaches every control of the toolbar, the
//     stage and every consumer's row; each consumer's menu opens with Enter, its first item has the
//     focus, and an item works (Pause, then Resume, changes the member's state); Escape closes it.
//     On the docs demo, Tab reaches every control of all three widgets, and a consumer's menu of
//     the last one opens with Enter and closes with Escape.
import { AxeBuilder } from "@axe-core/playwright";
import { test, expect, open } from "./helpers.js";

const PAGES = [
  ["main page", "/"],
  ["docs demo", "/docs-demo.html"],
  ["iframe page", "/embed.html?scenario=parallelism&controls=basic"],
];

/** "rule (impact): n× target — summary" lines, for a readable failure. */
function describe(violations) {
  return violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.length}× ${v.help}\n${v.nodes.slice(0, 4).map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary?.split("\n").slice(1, 3).join(" ")}`).join("\n")}`);
}

for (const scheme of ["light", "dark"]) {
  test.describe(`axe, ${scheme} theme`, () => {
    test.use({ bypassCSP: true, colorScheme: scheme, reducedMotion: "reduce" });
    for (const [name, path] of PAGES) {
      test(`${name}: no serious or critical violation`, async ({ page, errors }) => {
        // A returning reader: the guided start would otherwise cover the main page's first view.
        await page.addInitScript(() => { try { localStorage.setItem("mailroom.guide-seen", "1"); } catch { /* */ } });
        await open(page, path);
        await page.waitForTimeout(300); // panels and consumer rows are filled on the first frames
        const { violations } = await new AxeBuilder({ page }).analyze();
        const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
        expect(describe(bad), `axe on ${path} (${scheme})`).toEqual([]);
        expect(errors).toEqual([]);
      });
    }
    test("main page in every consumer state, with a consumer's menu open", async ({ page, errors }) => {
      await page.addInitScript(() => { try { localStorage.setItem("mailroom.guide-seen", "1"); } catch { /* */ } });
      await open(page, "/");
      // Badges of several states at once: crashed, paused, left, and the running ones.
      await page.evaluate(async () => {
        const c = window.mailroom;
        c.apply({ type: "AddConsumer", group: 0 });
        c.apply({ type: "CrashConsumer", group: 0, member: 0, at: "now" });
        c.apply({ type: "PauseConsumer", group: 0, member: 1 });
        c.apply({ type: "LeaveGroup", group: 0, member: 2 });
        c.play();
        await new Promise((r) => setTimeout(r, 800));
        c.pause();
      });
      await page.locator("#app [data-testid=consumer-0-3]").click();
      await expect(page.locator("#app").getByTestId("consumer-menu")).toBeVisible();
      const { violations } = await new AxeBuilder({ page }).analyze();
      const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      expect(describe(bad), `axe on / with states and a menu (${scheme})`).toEqual([]);
    });
    test("main page with the guided start open: no serious or critical violation", async ({ page, errors }) => {
      await open(page, "/");
      await expect(page.getByTestId("guided-start")).toBeVisible();
      const { violations } = await new AxeBuilder({ page }).analyze();
      const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      expect(describe(bad), `axe on / with the guide (${scheme})`).toEqual([]);
      expect(errors).toEqual([]);
    });
  });
}

/** A description of the focused element, looking through open shadow roots. */
function focused(page) {
  return page.evaluate(() => {
    let a = document.activeElement;
    const host = a?.shadowRoot ? a.id : null; // the widget the focus is in
    while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
    if (!a || a === document.body) return null;
    return {
      host,
      tag: a.tagName.toLowerCase(),
      action: a.dataset.action ?? null,
      testid: a.dataset.testid ?? null,
      consumer: a.dataset.consumer ?? null,
      item: a.dataset.item ?? null,
      role: a.getAttribute("role"),
      name: (a.getAttribute("aria-label") ?? a.textContent ?? "").trim().slice(0, 60),
      id: a.id || null,
    };
  });
}

/** Every enabled, visible control of a widget, as the same descriptions (the Tab targets). */
function controls(page, id = "app") {
  return page.evaluate((host) => {
    const root = document.getElementById(host).shadowRoot;
    const all = [...root.querySelectorAll("button, select, input, a[href], [tabindex]:not([tabindex='-1'])")];
    return all
      .filter((e) => !e.disabled && e.checkVisibility({ visibilityProperty: true, contentVisibilityAuto: true }))
      .map((a) => ({ host, tag: a.tagName.toLowerCase(), action: a.dataset.action ?? null, testid: a.dataset.testid ?? null, consumer: a.dataset.consumer ?? null, name: (a.getAttribute("aria-label") ?? a.textContent ?? "").trim().slice(0, 60) }));
  }, id);
}

// Consumer rows are told apart by slot (their label changes with the state), others by name too.
const key = (d) => `${d.host}|${d.tag}|${d.action}|${d.testid}|${d.consumer}|${d.consumer ? "" : d.name}`;

/** Tabs through the whole page once from the top (until the focus comes back to the first stop,
 * at most `max` presses); returns every focused control in order. */
async function tabThrough(page, max) {
  await page.locator("body").click({ position: { x: 2, y: 2 } });
  const seen = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const d = await focused(page);
    if (d && seen.length && key(d) === key(seen[0])) break;
    if (d) seen.push(d);
  }
  return seen;
}

test("keyboard only: Tab reaches every control and every consumer's menu works", async ({ page, errors }) => {
  test.setTimeout(45_000);
  await page.addInitScript(() => { try { localStorage.setItem("mailroom.guide-seen", "1"); } catch { /* */ } });
  await open(page, "/");
  await page.evaluate(() => window.mailroom.pause());
  const want = await controls(page);
  expect(want.filter((d) => d.consumer).length, "consumer rows").toBeGreaterThanOrEqual(2);

  const seen = await tabThrough(page, 120);
  const reached = new Set(seen.map(key));
  const missed = want.filter((d) => !reached.has(key(d)));
  expect(missed, `controls Tab never reaches (reached: ${seen.map(key).join(", ")})`).toEqual([]);

  // Each consumer's menu from its row: Tab to the row, Enter opens, an item works.
  const rows = want.filter((d) => d.consumer);
  for (const row of rows) {
    const [g, m] = row.consumer.split(":").map(Number);
    await page.locator("body").click({ position: { x: 2, y: 2 } });
    let d = null;
    for (let i = 0; i < 120; i++) {
      await page.keyboard.press("Tab");
      d = await focused(page);
      if (d?.consumer === row.consumer) break;
    }
    expect(d?.consumer, `Tab reaches consumer ${row.consumer}`).toBe(row.consumer);
    const stateOf = () => page.evaluate(([gi, mi]) => window.mailroom.snapshot().groups[gi].members[mi].state, [g, m]);
    const before = await stateOf();
    await page.keyboard.press("Enter");
    const menu = page.locator("#app").getByTestId("consumer-menu");
    await expect(menu).toBeVisible();
    const first = await focused(page);
    expect(first?.role, "the menu's first item has the focus").toBe("menuitem");
    // Walk to Pause (or Resume / Restart) with the arrow keys and press Enter.
    const target = before === "Paused" ? "ResumeConsumer" : before === "Crashed" || before === "Left" ? "RestartConsumer" : "PauseConsumer";
    let item = first;
    for (let i = 0; i < 10 && item?.item !== target; i++) {
      await page.keyboard.press("ArrowDown");
      item = await focused(page);
    }
    expect(item?.item, `menu of ${row.consumer} offers ${target}`).toBe(target);
    await page.keyboard.press("Enter");
    await expect(menu).toBeHidden();
    const back = await focused(page);
    expect(back?.consumer, "focus returns to the consumer's row").toBe(row.consumer);
    await page.evaluate(() => window.mailroom.step());
    await expect.poll(stateOf, { message: `${target} on ${row.consumer} changed its state` }).not.toBe(before);
    // Escape closes a menu opened again, focus back on the row.
    await page.keyboard.press("Enter");
    await expect(menu).toBeVisible();
    await page.keyboard.press("Escape");
    await expect(menu).toBeHidden();
    expect((await focused(page))?.consumer).toBe(row.consumer);
  }
  expect(errors).toEqual([]);
});

test("keyboard only on the docs demo: Tab reaches every widget's controls and a consumer's menu", async ({ page, errors }) => {
  test.setTimeout(45_000);
  await open(page, "/docs-demo.html");
  const hosts = ["w-parallel", "w-dup", "w-coop"];
  const want = (await Promise.all(hosts.map((h) => controls(page, h)))).flat();
  for (const h of hosts) expect(want.filter((d) => d.host === h && d.consumer).length, `consumer rows of ${h}`).toBeGreaterThanOrEqual(2);
  const seen = await tabThrough(page, 300);
  const reached = new Set(seen.map(key));
  const missed = want.filter((d) => !reached.has(key(d)));
  expect(missed, "controls Tab never reaches").toEqual([]);
  // The last (dark, basic controls) widget: Enter on a consumer's row opens its menu, Escape closes.
  const row = want.find((d) => d.host === "w-coop" && d.consumer);
  await page.locator("body").click({ position: { x: 2, y: 2 } });
  let d = null;
  for (let i = 0; i < 300 && !(d?.host === "w-coop" && d?.consumer === row.consumer); i++) {
    await page.keyboard.press("Tab");
    d = await focused(page);
  }
  expect(d?.consumer).toBe(row.consumer);
  await page.keyboard.press("Enter");
  const menu = page.locator("#w-coop").getByTestId("consumer-menu");
  await expect(menu).toBeVisible();
  expect((await focused(page))?.role).toBe("menuitem");
  await page.keyboard.press("Escape");
  await expect(menu).toBeHidden();
  expect((await focused(page))?.consumer).toBe(row.consumer);
  expect(errors).toEqual([]);
});
