// Start time and bytes on the wire (issue 9, point 4): headless Chromium (Debian's, through
// playwright-core) opens each page through scripts/serve.mjs and reads, relative to the start of
// navigation:
//   first   — performance mark "mailroom:first-frame": the first stage frame drawn (www/js/ui.js)
//   moving  — performance mark "mailroom:first-moving-frame": the first frame drawn after the model
//             advanced (pages that autoplay)
//   ready   — window.__ready (the page's own "wired up" moment)
// and the bytes transferred (encoded body sizes from the resource timing entries + the document).
// Each page is loaded once cold (fresh browser context) and then --runs times warm (reloads in the
// same context: HTTP cache and V8's wasm code cache may serve). Prints medians (p50) per page.
//
//   npm run bench:start -- [--runs N] [--base http://127.0.0.1:8080] [--json]
//   (= node scripts/bench-start.mjs …, after setting up and building)
//
// Timings are reported, never asserted (shared CI machines vary).
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { need, needFile } from "./need.mjs";
import { settled } from "./start-marks.mjs";

const { chromium } = await need("playwright-core", "bench-start", "run `npm run bench:start` instead (it sets up and builds first)");
needFile("www/pkg/mailroom_web_bg.wasm", "bench-start", "run `npm run bench:start` instead (it sets up and builds first)");

const ROOT = new URL("..", import.meta.url).pathname;
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const RUNS = Number(arg("--runs", 7));
const PAGES = [
  ["index.html", "/"],
  ["embed.html", "/embed.html?scenario=parallelism&controls=basic&autoplay=1"],
  ["docs-demo.html", "/docs-demo.html"],
];

function freePort() {
  return new Promise((ok, bad) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => ok(port)); });
    s.on("error", bad);
  });
}

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Waits for the marks (or a timeout) and reads them with the transfer sizes. */
async function measure(page, wantMoving) {
  await settled(page, wantMoving);
  return page.evaluate(() => {
    const mark = (n) => performance.getEntriesByName(n)[0]?.startTime ?? NaN;
    const nav = performance.getEntriesByType("navigation")[0];
    const res = performance.getEntriesByType("resource");
    const wire = (nav?.transferSize ?? 0) + res.reduce((s, r) => s + (r.transferSize ?? 0), 0);
    const body = (nav?.encodedBodySize ?? 0) + res.reduce((s, r) => s + (r.encodedBodySize ?? 0), 0);
    return { first: mark("mailroom:first-frame"), moving: mark("mailroom:first-moving-frame"), ready: window.__ready, wire, body, files: res.length + 1 };
  });
}

async function main() {
  let base = arg("--base");
  let server;
  if (!base) {
    const port = await freePort();
    server = spawn(process.execPath, [`${ROOT}scripts/serve.mjs`, String(port)], { stdio: "ignore" });
    base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 50; i++) {
      try { if ((await fetch(base + "/")).ok) break; } catch { /* not yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
  });
  const rows = [];
  try {
    // Warm the server (its compressed copies are made on first use), not the browser: every
    // measured context below starts with an empty HTTP cache.
    const warmup = await browser.newContext();
    const wp = await warmup.newPage();
    for (const [, path] of PAGES) { await wp.goto(base + path); await wp.waitForFunction(() => window.__ready !== undefined, null, { timeout: 20_000 }); }
    await warmup.close();
    await new Promise((r) => setTimeout(r, 1500));
    for (const [name, path] of PAGES) {
      const moving = name !== "docs-demo.html"; // the docs demo's widgets wait for the reader
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      // The main page's first visit shows the guided start; a returning reader's does not.
      await ctx.addInitScript(() => { try { localStorage.setItem("mailroom.guide-seen", "1"); } catch { /* */ } });
      const page = await ctx.newPage();
      await page.goto(base + path);
      const cold = await measure(page, moving);
      const warm = [];
      for (let i = 0; i < RUNS; i++) {
        await page.goto("about:blank");
        await page.goto(base + path);
        warm.push(await measure(page, moving));
      }
      await ctx.close();
      const pick = (k) => median(warm.map((w) => w[k]));
      rows.push({ page: name, cold, warm: { first: pick("first"), moving: pick("moving"), ready: pick("ready"), wire: pick("wire"), runs: warm.map((w) => Math.round(moving ? w.moving : w.first)) } });
    }
  } finally {
    await browser.close();
    server?.kill();
  }
  if (process.argv.includes("--json")) { console.log(JSON.stringify(rows, null, 2)); return; }
  const f = (x) => (Number.isFinite(x) ? x.toFixed(0).padStart(6) : "     –");
  const kb = (x) => (x / 1000).toFixed(1).padStart(7);
  console.log(`start time, ms after navigation (warm: p50 of ${RUNS} reloads); wire = bytes transferred, kB`);
  console.log("page              cold:first moving wire   | warm:first moving  ready  wire   | warm runs (moving or first)");
  for (const r of rows) {
    console.log(`${r.page.padEnd(17)} ${f(r.cold.first)}     ${f(r.cold.moving)} ${kb(r.cold.wire)} |  ${f(r.warm.first)}     ${f(r.warm.moving)} ${f(r.warm.ready)} ${kb(r.warm.wire)} | ${r.warm.runs.join(" ")}`);
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
