// Where the start time goes (issue 23): opens a page of `npm start` (scripts/serve.mjs) in Debian's
// Chromium, reloads it warm N times, and prints the median moment (ms after navigation) of each
// step on the way to the first moving frame:
//   html       the document's response ended (navigation timing)
//   modules    the last JS module (page modules and the wasm-bindgen glue) arrived
//   dcl        DOMContentLoaded ended: every module evaluated (module scripts run before it)
//   wasm       the .wasm response ended; compile = WebAssembly.compile(Streaming) started → done;
//              instantiate = WebAssembly.instantiate started → done (the glue's init)
//   css        the widget's styles arrived
//   ready      window.__ready (the page's mount() resolved and it wired itself up)
//   first      performance mark mailroom:first-frame; moving: mailroom:first-moving-frame
// plus the main thread's long tasks (> 50 ms) and the number of requests. The WebAssembly calls
// are timed by wrapping them in an init script (the page's code is unchanged).
//
//   node scripts/start-breakdown.mjs [--runs N] [--page /embed.html?...] [--base URL] [--json]
//
// Timings are reported, never asserted.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { need, needFile } from "./need.mjs";
import { settled } from "./start-marks.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const RUNS = Number(arg("--runs", 9));
const PAGE = arg("--page", "/");

const ADVICE = "run `npm run setup -- --browser` and `npm run build` first";
const { chromium } = await need("playwright-core", "start-breakdown", ADVICE);
needFile("www/pkg/mailroom_web_bg.wasm", "start-breakdown", ADVICE);

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

/** Runs in the page before its own scripts: times the WebAssembly calls, records long tasks. */
function instrument() {
  try { localStorage.setItem("mailroom.guide-seen", "1"); } catch { /* a returning reader */ }
  const W = WebAssembly;
  window.__wasmCalls = [];
  for (const name of ["compileStreaming", "compile", "instantiate", "instantiateStreaming"]) {
    const f = W[name];
    if (typeof f !== "function") continue;
    W[name] = function (...args) {
      const start = performance.now();
      const p = f.apply(this, args);
      p.then(() => window.__wasmCalls.push({ name, start, end: performance.now() }), () => {});
      return p;
    };
  }
  window.__long = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__long.push({ start: e.startTime, dur: e.duration });
    }).observe({ type: "longtask", buffered: true });
  } catch { /* no long task timing */ }
}

async function measure(page) {
  await settled(page, true);
  return page.evaluate(() => {
    const mark = (n) => performance.getEntriesByName(n)[0]?.startTime ?? NaN;
    const nav = performance.getEntriesByType("navigation")[0];
    const res = performance.getEntriesByType("resource");
    const path = (r) => new URL(r.name).pathname;
    const js = res.filter((r) => /\.js$/.test(path(r)));
    const wasm = res.find((r) => /\.wasm$/.test(path(r)));
    const css = res.find((r) => /mailroom\.css$/.test(path(r)));
    const call = (n) => window.__wasmCalls.find((c) => c.name === n);
    const compile = call("compileStreaming") ?? call("compile");
    const inst = call("instantiate");
    const moving = mark("mailroom:first-moving-frame");
    return {
      html: nav.responseEnd,
      modulesFirst: Math.min(...js.map((r) => r.startTime)),
      modules: Math.max(...js.map((r) => r.responseEnd)),
      nModules: js.length,
      dcl: nav.domContentLoadedEventEnd,
      wasmStart: wasm?.startTime ?? NaN,
      wasm: wasm?.responseEnd ?? NaN,
      compileStart: compile?.start ?? NaN,
      compileEnd: compile?.end ?? NaN,
      instStart: inst?.start ?? NaN,
      instEnd: inst?.end ?? NaN,
      css: css?.responseEnd ?? NaN,
      ready: window.__ready,
      first: mark("mailroom:first-frame"),
      moving,
      requests: res.length + 1,
      longBeforeMoving: window.__long.filter((l) => l.start < moving).map((l) => `${l.start.toFixed(0)}+${l.dur.toFixed(0)}`).join(" "),
    };
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
  const runs = [];
  try {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await ctx.addInitScript(instrument);
    const page = await ctx.newPage();
    await page.goto(base + PAGE); // cold: fills the HTTP cache and the server's compressed copies
    await measure(page);
    for (let i = 0; i < RUNS; i++) {
      await page.goto("about:blank");
      await page.goto(base + PAGE);
      runs.push(await measure(page));
    }
    await ctx.close();
  } finally {
    await browser.close();
    server?.kill();
  }
  if (process.argv.includes("--json")) { console.log(JSON.stringify(runs, null, 2)); return; }
  const m = (k) => median(runs.map((r) => r[k]));
  const rows = [
    ["html", "document response ended", m("html")],
    ["modules", `first JS request ${m("modulesFirst").toFixed(0)} → last of ${m("nModules")} JS files arrived`, m("modules")],
    ["dcl", "DOMContentLoaded ended (modules evaluated)", m("dcl")],
    ["wasm", `.wasm requested ${m("wasmStart").toFixed(0)} → response ended`, m("wasm")],
    ["compile", `WebAssembly compile started ${m("compileStart").toFixed(0)} → done`, m("compileEnd")],
    ["instantiate", `WebAssembly.instantiate started ${m("instStart").toFixed(0)} → done`, m("instEnd")],
    ["css", "widget styles arrived", m("css")],
    ["ready", "page wired up (window.__ready)", m("ready")],
    ["first", "first frame drawn", m("first")],
    ["moving", "first frame after the model moved", m("moving")],
  ];
  console.log(`${PAGE}: p50 of ${RUNS} warm reloads, ms after navigation (${m("requests")} requests)`);
  for (const [k, what, t] of rows) console.log(`${k.padEnd(12)}${t.toFixed(0).padStart(6)}  ${what}`);
  console.log(`moving, each run: ${runs.map((r) => r.moving.toFixed(0)).join(" ")}`);
  console.log(`long tasks before it (start+duration), each run:\n  ${runs.map((r) => r.longBeforeMoving || "-").join("\n  ")}`);
}

main().catch((err) => { console.error(err); process.exit(1); });
