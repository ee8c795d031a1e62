// A layout that holds (issue 13, points 5 and 7): at 1280×800 (the page), a 720×460 docs iframe
// (embed.html, controls=basic and full) and a 390×844 phone (the page), in light and dark:
// no text cut or ending in "…" in the toolbar, the consumer list or the counters; no control or
// counter drawn over another; narration + rebalance strip under 30 % of the docs iframe; the
// stage near the top of a phone. Every scene is photographed at the three sizes into
// tests/artifacts/scenes/<scene>-<size>-<theme>.png (light; one scene also in dark).
import { mkdirSync } from "node:fs";
import { test, expect, open, ARTIFACTS } from "./helpers.js";
import { SCENES, SCENE_NAMES } from "../www/js/scenes.js";

const SHOTS = `${ARTIFACTS}scenes/`;
mkdirSync(SHOTS, { recursive: true });

const SIZES = [
  { size: "1280x800", width: 1280, height: 800, page: (s) => `/?scenario=${s}` },
  { size: "720x460", width: 720, height: 460, page: (s) => `/embed.html?scenario=${s}&controls=full` },
  { size: "390x844", width: 390, height: 844, page: (s) => `/?scenario=${s}` },
];
/** The moment a scene is photographed and checked at: its last narrated step (the lesson's point). */
const momentOf = (name) => SCENES[name].steps.at(-1).at_ms;
const BUSY = "eager-vs-cooperative"; // two groups, long banners: the tightest scene for the chrome

/** Loads scene `name` into the open view, paused at `ms`, and lets panels and stage catch up. */
async function showScene(page, name, ms) {
  await page.evaluate(([n, t]) => { const c = window.mailroom; c.view.loadScene(n); c.pause(); c.seek(t); }, [name, ms]);
  await expect.poll(() => page.evaluate(() => window.mailroom.nowMs())).toBe(ms);
  await page.waitForTimeout(300); // the panels refresh every 120 ms; two stage frames at least
}

/**
 * Everything that does not fit, measured inside the widget's shadow root: text wider than its
 * box (scrollWidth > clientWidth) or ended with "…", a control or row outside its container,
 * two toolbar controls or two counters on top of each other, a sideways-scrolling page.
 */
function layoutProblems() {
  const root = document.querySelector("#app").shadowRoot;
  const out = [];
  const shown = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
  const name = (e) => `${e.tagName.toLowerCase()}.${e.className || "-"}[${(e.textContent || e.getAttribute("aria-label") || "").trim().slice(0, 40)}]`;
  const TEXT = [
    ".mr-bar button", ".mr-bar label", ".mr-bar output", ".mr-bar .mr-scene-word",
    ".mr-side h3", ".mr-cgroup", ".mr-consumer", ".mr-cname", ".mr-badge", ".mr-cparts",
    ".mr-counter", ".mr-counter dt", ".mr-counter dd", ".mr-nnav button", ".mr-ncount", ".mr-nmore", ".mr-strip-toggle",
  ].join(", ");
  for (const e of root.querySelectorAll(TEXT)) {
    if (!shown(e) || e.clientWidth === 0) continue;
    if (e.scrollWidth > e.clientWidth + 1) out.push(`cut: ${name(e)} ${e.scrollWidth} > ${e.clientWidth}`);
    if (e.scrollHeight > e.clientHeight + 2 && getComputedStyle(e).overflowY !== "visible") out.push(`cut vertically: ${name(e)}`);
    if (getComputedStyle(e).textOverflow === "ellipsis" && e.scrollWidth > e.clientWidth) out.push(`ellipsis: ${name(e)}`);
    if (e.childElementCount === 0 && /…$/.test(e.textContent.trim())) out.push(`ends in …: ${name(e)}`);
  }
  const inside = (sel, boxSel) => {
    for (const box of root.querySelectorAll(boxSel)) {
      if (!shown(box)) continue;
      const b = box.getBoundingClientRect();
      for (const e of box.querySelectorAll(sel)) {
        if (!shown(e)) continue;
        const r = e.getBoundingClientRect();
        if (r.left < b.left - 1 || r.right > b.right + 1) out.push(`outside ${boxSel}: ${name(e)} ${Math.round(r.left)}–${Math.round(r.right)} vs ${Math.round(b.left)}–${Math.round(b.right)}`);
      }
    }
  };
  inside("button, select, input, label, output", ".mr-bar");
  inside(".mr-consumer, .mr-cgroup, .mr-cname, .mr-badge", ".mr-consumers");
  inside(".mr-counter, .mr-counter dd", ".mr-counters");
  const overlaps = (els, what) => {
    const rs = els.filter(shown).map((e) => [e, e.getBoundingClientRect()]);
    for (let i = 0; i < rs.length; i++) for (let j = i + 1; j < rs.length; j++) {
      const [a, ra] = rs[i], [b, rb] = rs[j];
      if (a.contains(b) || b.contains(a)) continue;
      const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (w > 0.5 && h > 0.5) out.push(`${what} overlap: ${name(a)} / ${name(b)}`);
    }
  };
  overlaps([...root.querySelectorAll(".mr-counter")], "counters");
  overlaps([...root.querySelectorAll(".mr-bar > button, .mr-bar > label, .mr-more > button, .mr-more > label, .mr-bar2 > *")], "controls");
  overlaps([...root.querySelectorAll(".mr-consumers > *")], "consumer rows");
  if (document.documentElement.scrollWidth > innerWidth) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${innerWidth}`);
  return out;
}

/** Boxes of the main parts, relative to the viewport (page scrolled to the top). */
function boxes() {
  const root = document.querySelector("#app").shadowRoot;
  const box = (sel) => {
    const e = root.querySelector(sel);
    if (!e || !e.getClientRects().length) return { top: 0, height: 0, bottom: 0 };
    const r = e.getBoundingClientRect();
    return { top: r.top, height: r.height, bottom: r.bottom };
  };
  return { bar: box(".mr-bar"), narration: box(".mr-narration"), strip: box(".mr-strip"), stage: box("[data-testid=stage]") };
}

async function checkLayout(page, size, label) {
  const problems = await page.evaluate(layoutProblems);
  expect(problems, `${label}: nothing cut, nothing on top of another`).toEqual([]);
  const b = await page.evaluate(boxes);
  if (size.size === "720x460") {
    expect(b.narration.height + b.strip.height, `${label}: narration + strip ≤ 30 % of the iframe`).toBeLessThanOrEqual(0.3 * size.height);
    expect(b.stage.height, `${label}: the stage keeps a usable height`).toBeGreaterThanOrEqual(0.5 * size.height);
  }
  if (size.size === "390x844") {
    expect(b.stage.top, `${label}: the stage starts in the top 35 % of the phone`).toBeLessThanOrEqual(0.35 * size.height);
    expect(b.bar.height, `${label}: the toolbar is at most three rows`).toBeLessThanOrEqual(100);
  }
  if (size.size === "1280x800") expect(b.stage.height, `${label}: the stage is at least half the window`).toBeGreaterThanOrEqual(0.5 * size.height);
  return b;
}

for (const size of SIZES) {
  test.describe(`${size.size}`, () => {
    test.use({ viewport: { width: size.width, height: size.height } });

    test.describe("light", () => {
      test.use({ colorScheme: "light" });
      test(`every scene fits at ${size.size}, light; screenshots`, async ({ page, errors }) => {
        test.setTimeout(90_000);
        await open(page, size.page(SCENE_NAMES[0]));
        for (const name of SCENE_NAMES) {
          await showScene(page, name, momentOf(name));
          await checkLayout(page, size, `${name} at ${size.size}`);
          await page.screenshot({ path: `${SHOTS}${name}-${size.size}-light.png` });
        }
      });
    });

    test.describe("dark", () => {
      test.use({ colorScheme: "dark" });
      test(`the busiest scene fits at ${size.size}, dark; screenshot`, async ({ page, errors }) => {
        await open(page, size.page(BUSY));
        await showScene(page, BUSY, 10300);
        expect(await page.evaluate(() => document.querySelector("#app").shadowRoot.querySelector(".mr").dataset.theme)).toBe("dark");
        await checkLayout(page, size, `${BUSY} dark at ${size.size}`);
        await page.screenshot({ path: `${SHOTS}${BUSY}-${size.size}-dark.png` });
      });
    });
  });
}

test.describe("720x460 docs iframe, controls=basic", () => {
  test.use({ viewport: { width: 720, height: 460 } });
  for (const scheme of ["light", "dark"]) {
    test(`narration and strip stay compact, nothing cut (${scheme})`, async ({ page, errors }) => {
      await page.emulateMedia({ colorScheme: scheme });
      await open(page, `/embed.html?scenario=${BUSY}&controls=basic`);
      await showScene(page, BUSY, 10300);
      const b = await checkLayout(page, { size: "720x460", height: 460 }, `basic ${scheme}`);
      expect(b.bar.height, "basic controls: one toolbar row").toBeLessThanOrEqual(40);
      await page.screenshot({ path: `${SHOTS}${BUSY}-720x460-basic-${scheme}.png` });
    });
  }
});

test.describe("narrow views: the folded parts open from the keyboard", () => {
  test.use({ viewport: { width: 720, height: 460 } });
  test("More, the narration's rest and the rebalance steps", async ({ page, errors }) => {
    await open(page, `/embed.html?scenario=${BUSY}&controls=full`);
    await showScene(page, BUSY, 10300);
    const app = (sel) => page.locator(`#app ${sel}`);
    // More: hidden secondary controls, opened with Enter, closed with Escape (focus back on More)
    await expect(app("[data-testid=strategy]")).toBeHidden();
    await app("[data-action=more]").focus();
    await page.keyboard.press("Enter");
    await expect(app("[data-action=more]")).toHaveAttribute("aria-expanded", "true");
    await expect(app("[data-testid=strategy]")).toBeVisible();
    await page.keyboard.press("Tab");
    await expect(app("[data-testid=speed]")).toBeFocused();
    await page.keyboard.press("Escape");
    await expect(app("[data-testid=strategy]")).toBeHidden();
    await expect(app("[data-action=more]")).toBeFocused();
    // the narration is clamped to two lines; "more" shows all of it
    const text = app("[data-testid=narration]");
    const clamped = await text.evaluate((e) => e.clientHeight);
    await expect(app("[data-action=narration-more]")).toBeVisible();
    await app("[data-action=narration-more]").focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => text.evaluate((e) => e.clientHeight)).toBeGreaterThan(clamped);
    expect(await text.evaluate((e) => e.scrollHeight <= e.clientHeight + 1)).toBe(true);
    // each rebalance is one line; "steps" shows them in full
    const row = app("[data-testid=rebalance-0]");
    const oneLine = await row.evaluate((e) => e.clientHeight);
    await app("[data-action=strip-more]").focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => row.evaluate((e) => e.clientHeight)).toBeGreaterThan(oneLine);
    expect(await row.evaluate((e) => e.scrollWidth <= e.clientWidth + 1)).toBe(true);
  });
});
