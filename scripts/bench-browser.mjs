// The page's side of `npm run bench` (issue 8): headless Chromium (Debian's, via playwright-core)
// opens embed.html with each bench scenario and measures, per scenario and speed:
//   - work per frame: the time spent inside the page's requestAnimationFrame callbacks, p50/p95;
//   - whether the model keeps up: simulated ms advanced ÷ wall ms, against the asked speed;
// then, in a 10-minute p32-16k session, the time of seeks back to random earlier points, and
// the JS heap (performance.memory.usedJSHeapSize) and wasm memory at the end; and what-if sweeps
// (issue 12) run by the page's workers (www/js/sweeprun.js): 16 values of the seed-scale hour
// (p6-hour) and of 10 minutes at 32 partitions / 16k rec/s (p32-16k), wall time and the longest
// gap between animation frames meanwhile. Prints one table.
//
//   node scripts/bench-browser.mjs            # full: 5 s per row
//   node scripts/bench-browser.mjs --short    # 1.5 s per row, 2-minute seek session (npm test)
//   --json                                     # one JSON line of table rows, for scripts/bench.mjs
//   --sweeps                                   # only the what-if sweep rows
//
// Timings are reported, never asserted (CI machines vary).
import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

const ROOT = new URL("..", import.meta.url).pathname;
const SHORT = process.argv.includes("--short");
const ONLY_SWEEPS = process.argv.includes("--sweeps");
const MEASURE_MS = SHORT ? 1500 : 5000;
const WARMUP_MS = SHORT ? 800 : 2000;
const SESSION_MS = SHORT ? 120_000 : 600_000;
const SEEKS = SHORT ? 2 : 5;
const ROWS = [
  ["p32-light", 1], ["p32-light", 10],
  ["p32-16k", 1], ["p32-16k", 10],
  ["p256-50k", 1], ["p256-50k", 10],
];
const TARGET_P95 = { "p32-light": 3, "p32-16k": 4, "p256-50k": 8 };
/** Sweeps: [scenario, vary, simulated ms (--short: shorter), target seconds]. */
const SWEEPS = [
  ["p6-hour", SHORT ? "groups[0].consumers=1..2" : "groups[0].consumers=1..16", SHORT ? 60_000 : 3_600_000, 5],
  ["p32-16k", SHORT ? "groups[0].consumers=1..2" : "groups[0].consumers=1..16", SHORT ? 10_000 : 600_000, 60],
];

function freePort() {
  return new Promise((ok, bad) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => ok(port)); });
    s.on("error", bad);
  });
}

const pct = (xs, p) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

// Times every rAF callback; callbacks of one frame (same timestamp) are summed.
const INSTRUMENT = () => {
  const orig = window.requestAnimationFrame.bind(window);
  window.__frames = new Map();
  window.requestAnimationFrame = (cb) => orig((t) => {
    const s = performance.now();
    try { cb(t); } finally { window.__frames.set(t, (window.__frames.get(t) ?? 0) + performance.now() - s); }
  });
};

async function main() {
  const port = await freePort();
  const server = spawn(process.execPath, [`${ROOT}scripts/serve.mjs`, String(port)], { stdio: "ignore" });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    try { if ((await fetch(base + "/")).ok) break; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--enable-precise-memory-info"],
  });
  const rows = [];
  const sweepRows = [];
  let seekRow = null;
  try {
    const open = async (name, query) => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.on("pageerror", (e) => console.error(`[bench] ${name}: ${e.message}`));
      await page.addInitScript(INSTRUMENT);
      await page.route("**/bench/*.json", (r) => r.fulfill({ contentType: "application/json", body: readFileSync(`${ROOT}bench/scenarios/${r.request().url().split("/").pop()}`) }));
      await page.goto(`${base}/embed.html?${query}&scenario=bench/${name}.json`);
      await page.waitForSelector("body[data-ready='1']", { timeout: 30_000 });
      return page;
    };
    for (const [name, speed] of ONLY_SWEEPS ? [] : ROWS) {
      const page = await open(name, "controls=full&autoplay=1");
      await page.evaluate((s) => window.mailroom.setSpeed(s), speed);
      await page.waitForTimeout(WARMUP_MS);
      const t0 = await page.evaluate(() => { window.__frames.clear(); return { sim: window.mailroom.nowMs(), wall: performance.now() }; });
      await page.waitForTimeout(MEASURE_MS);
      const r = await page.evaluate(() => ({ sim: window.mailroom.nowMs(), wall: performance.now(), frames: [...window.__frames.values()], heap: performance.memory?.usedJSHeapSize ?? 0, wasm: window.mailroom.wasm.memory.buffer.byteLength }));
      const effective = (r.sim - t0.sim) / (r.wall - t0.wall);
      rows.push({ name, speed, p50: pct(r.frames, 50), p95: pct(r.frames, 95), fps: (r.frames.length * 1000) / (r.wall - t0.wall), effective, keepsUp: effective >= 0.9 * speed, heap: r.heap, wasm: r.wasm });
      await page.close();
    }
    // Seek back in a long p32-16k session.
    const page = ONLY_SWEEPS ? null : await open("p32-16k", "controls=full");
    if (page) {
    const t = await page.evaluate(async (ms) => {
      const c = window.mailroom;
      const t0 = performance.now();
      c.seek(ms);
      while (c.state().seeking) await new Promise((r) => requestAnimationFrame(r));
      return performance.now() - t0;
    }, SESSION_MS);
    const seeks = [];
    let rnd = 12345;
    for (let i = 0; i < SEEKS; i++) {
      rnd = (rnd * 1103515245 + 12345) % 2 ** 31;
      const to = Math.floor((rnd / 2 ** 31) * (SESSION_MS - 1000));
      seeks.push(await page.evaluate(async ([back, end]) => {
        const c = window.mailroom;
        const t0 = performance.now();
        c.seek(back);
        while (c.state().seeking) await new Promise((r) => requestAnimationFrame(r));
        const ms = performance.now() - t0;
        c.seek(end); // back to the frontier for the next one
        while (c.state().seeking) await new Promise((r) => requestAnimationFrame(r));
        return { to: back, ms };
      }, [to, SESSION_MS]));
    }
    const mem = await page.evaluate(() => ({ heap: performance.memory?.usedJSHeapSize ?? 0, wasm: window.mailroom.wasm.memory.buffer.byteLength, cps: window.mailroom.player.checkpoints() }));
    seekRow = { forward: t, seeks, ...mem };
    await page.close();
    }
    // What-if sweeps in the page's workers, with the page paused (what a reader of the panel sees).
    for (const [name, vary, ms, target] of SWEEPS) {
      const sp = await open(name, "controls=full");
      const scenario = { ...JSON.parse(readFileSync(`${ROOT}bench/scenarios/${name}.json`, "utf8")), duration_ms: ms };
      const r = await sp.evaluate(async ([sc, v]) => {
        const { runSweep, defaultWorkers } = await import("./js/sweeprun.js");
        let last = performance.now(), maxGap = 0, going = true;
        const f = (now) => { maxGap = Math.max(maxGap, now - last); last = now; if (going) requestAnimationFrame(f); };
        requestAnimationFrame(f);
        const out = await runSweep({ scenario: sc, vary: v }).done;
        going = false;
        return { wallMs: out.wallMs, runs: out.results.length, maxGap, workers: defaultWorkers() };
      }, [scenario, vary]);
      sweepRows.push({ name, vary, ms, target, ...r });
      await sp.close();
    }
  } finally {
    await browser.close();
    server.kill();
  }

  const mb = (b) => `${(b / 2 ** 20).toFixed(1)} MB`;
  const lines = [];
  lines.push("| page load | speed | work/frame p50 | p95 (target) | frames/s | effective speed | keeps up | JS heap | wasm memory |");
  lines.push("|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    lines.push(`| ${r.name} | ${r.speed}× | ${r.p50.toFixed(2)} ms | ${r.p95.toFixed(2)} ms (≤ ${TARGET_P95[r.name]}) | ${r.fps.toFixed(0)} | ${r.effective.toFixed(2)}× | ${r.keepsUp ? "yes" : "no"} | ${mb(r.heap)} | ${mb(r.wasm)} |`);
  }
  if (seekRow) {
    const worst = Math.max(...seekRow.seeks.map((s) => s.ms));
    lines.push("");
    lines.push(`| p32-16k session of ${SESSION_MS / 60000} min | value | target |`);
    lines.push("|---|---|---|");
    lines.push(`| seek forward 0 → ${SESSION_MS / 1000} s (over frames) | ${(seekRow.forward / 1000).toFixed(1)} s | — |`);
    lines.push(`| seek back to a random earlier point, worst of ${seekRow.seeks.length} (${seekRow.seeks.map((s) => `${(s.to / 1000).toFixed(0)} s: ${s.ms.toFixed(0)} ms`).join(", ")}) | ${worst.toFixed(0)} ms | ≤ 250 ms |`);
    lines.push(`| JS heap (usedJSHeapSize) at the end | ${mb(seekRow.heap)} | ≤ 64 MB |`);
    lines.push(`| wasm memory / checkpoints (core estimate, count) | ${mb(seekRow.wasm)} / ${mb(seekRow.cps[0])}, ${seekRow.cps[1].length} | — |`);
  }
  const span = (ms) => (ms >= 3_600_000 ? `${ms / 3_600_000} h` : ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`);
  const sweepMeasure = (r) => `page, what-if sweep of ${r.name} (${span(r.ms)} simulated each), ${r.vary}, ${r.workers} workers`;
  if (sweepRows.length) {
    lines.push("");
    lines.push("| what-if sweep (page workers) | wall time | target | longest frame gap meanwhile |");
    lines.push("|---|---|---|---|");
    for (const r of sweepRows) lines.push(`| ${sweepMeasure(r)} | ${(r.wallMs / 1000).toFixed(2)} s | ≤ ${r.target} s | ${r.maxGap.toFixed(0)} ms |`);
  }
  if (!process.argv.includes("--json")) {
    console.log(lines.join("\n"));
    return;
  }
  // For scripts/bench.mjs: the same figures as rows of its one table, on the last line.
  const out = rows.map((r) => ({
    measure: `page, ${r.name}, ${r.speed}×: work per frame p95 (p50), frames/s, effective speed`,
    target: `≤ ${TARGET_P95[r.name]} ms${r.name === "p256-50k" ? ", keeps up" : ""}`,
    measured: `${r.p95.toFixed(2)} ms (${r.p50.toFixed(2)}), ${r.fps.toFixed(0)} fps, ${r.effective.toFixed(2)}×`,
    met: r.p95 <= TARGET_P95[r.name] && (r.name !== "p256-50k" || r.keepsUp),
    note: `JS heap ${mb(r.heap)}, wasm ${mb(r.wasm)}`,
  }));
  if (seekRow) {
    const worst = Math.max(...seekRow.seeks.map((s) => s.ms));
    out.push({ measure: `page, seek back in a ${SESSION_MS / 60000}-min p32-16k session, worst of ${seekRow.seeks.length}`, target: "≤ 250 ms", measured: `${worst.toFixed(0)} ms`, met: worst <= 250, note: `forward seek to the end took ${(seekRow.forward / 1000).toFixed(1)} s over frames` });
    out.push({ measure: "page, JS heap at the end of that session", target: "≤ 64 MB", measured: mb(seekRow.heap), met: seekRow.heap <= 64 * 2 ** 20, note: `wasm memory ${mb(seekRow.wasm)}, ${seekRow.cps[1].length} checkpoints (${mb(seekRow.cps[0])})` });
  }
  for (const r of sweepRows) {
    out.push({ measure: sweepMeasure(r), target: `≤ ${r.target} s`, measured: `${(r.wallMs / 1000).toFixed(2)} s`, met: r.wallMs <= r.target * 1000, note: `${r.runs} runs; longest gap between animation frames meanwhile ${r.maxGap.toFixed(0)} ms` });
  }
  console.log(JSON.stringify({ rows: out }));
}

main().catch((err) => { console.error(err); process.exit(1); });
