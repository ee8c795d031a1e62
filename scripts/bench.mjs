// `npm run bench`: one table of Mailroom's performance targets, measured side by side in one run.
//
//   node scripts/bench.mjs            the full run (a few minutes)
//   node scripts/bench.mjs --short    every row on tiny inputs (seconds): `npm test` runs this so the
//                                     bench cannot rot; it asserts that each row ran, never a timing
//
// Rows: the native model (examples/simulate and examples/play), the same Player in V8 through the
// wasm binding (wasm ÷ native on identical work), seeking back in a long session, wasm memory after
// an hour at 50k rec/s, the browser's work per frame and JS heap (scripts/bench-browser.mjs, real
// Chromium), and the assignors against Kafka's Java figures (examples/assign_bench).
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, existsSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const short = process.argv.includes("--short");
const skipBrowser = process.argv.includes("--no-browser");
const bench = (name) => path.join(root, "bench/scenarios", `${name}.json`);
/** Simulated time as people say it: "10 min", "1 h", "20 s". */
const span = (ms) => (ms >= 3_600_000 ? `${ms / 3_600_000} h` : ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`);
const rows = [];
const row = (measure, target, measured, met, note = "") => {
  rows.push({ measure, target, measured, met: met === undefined ? "—" : met ? "yes" : "NO", note });
  console.error(`[bench] ${measure}: ${measured}`);
};

function cargoExample(name, args) {
  const bin = path.join(root, "target/release/examples", name);
  const out = execFileSync(bin, args, { cwd: root, encoding: "utf8", maxBuffer: 1 << 26 });
  return out.trim().split("\n").filter((l) => l.startsWith("{") || l.includes("=")).pop();
}

console.error("[bench] building the release examples");
execFileSync("cargo", ["build", "--release", "-q", "-p", "mailroom-core", "--examples"], { cwd: root, stdio: "inherit" });

// ---- native model --------------------------------------------------------------------------
const bestOf = (n, fn) => Math.min(...Array.from({ length: n }, fn));
{
  const until = short ? 20_000 : 600_000;
  const ms = bestOf(short ? 1 : 3, () => JSON.parse(cargoExample("simulate", [bench("p256-50k"), "--until", String(until), "--events", "off"])).wall_ms);
  row(`native, 256 partitions / 50k rec/s / 64 consumers, ${span(until)} simulated`, "≤ 10 s (10 min)", `${(ms / 1000).toFixed(2)} s`, short ? undefined : ms <= 10_000);
  const story = JSON.parse(cargoExample("simulate", [bench("p256-50k"), "--until", String(short ? 10_000 : 60_000), "--events", "story"]));
  row(`native, same, events a page is shown (story level), ${span(short ? 10_000 : 60_000)}`, "—", `${(story.wall_ms / 1000).toFixed(2)} s`, undefined);
  const all = JSON.parse(cargoExample("simulate", [bench("p256-50k"), "--until", String(short ? 10_000 : 60_000)]));
  row(`native, same, every event built and hashed (all level), ${span(short ? 10_000 : 60_000)}`, "—", `${(all.wall_ms / 1000).toFixed(2)} s`, undefined, `${all.events} events`);
  // Recording cause chains (issue 21): the same run with and without, best of 3 each.
  const spanCauses = short ? 10_000 : 60_000;
  const runCauses = (extra) => bestOf(3, () => JSON.parse(cargoExample("simulate", [bench("p256-50k"), "--until", String(spanCauses), "--events", "off", ...extra])).wall_ms);
  const without = runCauses([]);
  const withCauses = runCauses(["--causes"]);
  const cost = (withCauses / without - 1) * 100;
  row(`native, same, cause chains recorded (explain), ${span(spanCauses)}`, "< 10 % over without", `${cost.toFixed(1)} % (${withCauses} / ${without} ms)`, short ? undefined : cost < 10);
}
{
  const until = short ? 60_000 : 3_600_000;
  const ms = bestOf(short ? 1 : 3, () => JSON.parse(cargoExample("simulate", [bench("p6-hour"), "--until", String(until), "--events", "off"])).wall_ms);
  row(`native, 6 partitions / 100 rec/s / 3 consumers, ${span(until)} simulated`, "≤ 0.3 s (1 h)", `${(ms / 1000).toFixed(3)} s`, short ? undefined : ms <= 300);
}

{
  // What-if sweeps natively (examples/sweep, one thread): the page's rows are further down.
  for (const [name, until] of [["p6-hour", short ? 60_000 : 3_600_000], ["p32-16k", short ? 10_000 : 600_000]]) {
    const sc = JSON.parse(readFileSync(bench(name), "utf8"));
    sc.duration_ms = until;
    const file = path.join(os.tmpdir(), `mailroom-bench-sweep-${name}.json`);
    writeFileSync(file, JSON.stringify(sc));
    const vary = short ? "groups[0].consumers=1..2" : "groups[0].consumers=1..16";
    const t0 = performance.now();
    const lines = execFileSync(path.join(root, "target/release/examples/sweep"), [file, "--vary", vary, "--json"], { cwd: root, encoding: "utf8", maxBuffer: 1 << 26 }).trim().split("\n");
    const ms = performance.now() - t0;
    if (lines.length !== (short ? 2 : 16)) throw new Error(`sweep of ${name}: ${lines.length} runs`);
    row(`native what-if sweep of ${name} (${span(until)} each), ${vary}, one thread`, "—", `${(ms / 1000).toFixed(2)} s`, undefined);
  }
}

// ---- the same Player in V8 (the page's wasm) ---------------------------------------------------
const pkg = path.join(root, "www/pkg/mailroom_web.js");
if (!existsSync(pkg)) throw new Error("www/pkg is missing: run `bash scripts/build.sh` first");
const wasm = await import(pkg);
wasm.initSync({ module: readFileSync(path.join(root, "www/pkg/mailroom_web_bg.wasm")) });
const scenarioOf = (name) => JSON.parse(readFileSync(bench(name), "utf8"));

/** Runs a Player like examples/play does (1-second frames, story drained, frame refreshed). */
function playWasm(scenario, until, mod = wasm) {
  const t0 = performance.now();
  const p = new mod.Player(scenario, []);
  let t = 0;
  while (p.nowMs() < until) {
    t = Math.min(t + 1000, until);
    p.run(t, Number.MAX_SAFE_INTEGER);
    p.story();
    p.refresh(0, 0);
  }
  const ms = performance.now() - t0;
  return { p, ms };
}

{
  const until = short ? 10_000 : 120_000;
  const native = bestOf(short ? 1 : 3, () => JSON.parse(cargoExample("play", [bench("p32-16k"), "--until", String(until)])).wall_ms);
  const w = bestOf(short ? 1 : 3, () => { const { p, ms } = playWasm(scenarioOf("p32-16k"), until); p.free(); return ms; });
  const ratio = w / native;
  row(`wasm ÷ native, Player on 32 partitions / 16k rec/s, ${span(until)}`, "≤ 1.5", `${ratio.toFixed(2)} (${w.toFixed(0)} / ${native.toFixed(0)} ms)`, short ? undefined : ratio <= 1.5);
}
{
  // Seek back anywhere in a 10-minute session at 32 partitions / 16k rec/s.
  const until = short ? 30_000 : 600_000;
  const { p } = playWasm(scenarioOf("p32-16k"), until);
  let worst = 0;
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < (short ? 3 : 12); i++) {
    // From the end back to a random earlier point (the worst case: leaving the frontier).
    p.seek(until, Number.MAX_SAFE_INTEGER);
    const target = Math.floor(rand() * until);
    const t0 = performance.now();
    const out = p.seek(target, Number.MAX_SAFE_INTEGER);
    p.refresh(0, 0);
    const ms = performance.now() - t0;
    if (!out.done) throw new Error("seek did not finish");
    worst = Math.max(worst, ms);
  }
  const [cpBytes, cpTimes] = p.checkpoints();
  row(`seek back anywhere, ${span(until)} session at 32 partitions / 16k rec/s (wasm, worst of ${short ? 3 : 12})`, "≤ 250 ms", `${worst.toFixed(0)} ms`, short ? undefined : worst <= 250, `${cpTimes.length} checkpoints, ${(cpBytes / 2 ** 20).toFixed(1)} MiB`);
  p.free();
}
{
  // Wasm memory after one simulated hour at 50k rec/s with retention.
  const until = short ? 20_000 : 3_600_000;
  // A fresh module instance (its own memory): wasm memory never shrinks, so the rows above
  // must not count here.
  const fresh = await import(`${pkg}?fresh`);
  const exports = fresh.initSync({ module: readFileSync(path.join(root, "www/pkg/mailroom_web_bg.wasm")) });
  const sc = scenarioOf("p256-50k");
  sc.duration_ms = until;
  const { p, ms } = playWasm(sc, until, fresh);
  const mb = exports.memory.buffer.byteLength / 2 ** 20;
  row(`wasm memory after ${span(until)} simulated at 50k rec/s with retention`, "≤ 64 MB (1 h)", `${mb.toFixed(1)} MiB`, short ? undefined : mb <= 64, `ran in ${(ms / 1000).toFixed(1)} s (${(until / ms).toFixed(1)}× real time in V8)`);
  const [cpBytes, cpTimes] = p.checkpoints();
  rows[rows.length - 1].note += `; ${cpTimes.length} checkpoints (${(cpBytes / 2 ** 20).toFixed(1)} MiB by the core's estimate)`;
  p.free();
}

// ---- the page in Chromium --------------------------------------------------------------------
if (!skipBrowser && existsSync(path.join(root, "scripts/bench-browser.mjs"))) {
  const r = spawnSync(process.execPath, [path.join(root, "scripts/bench-browser.mjs"), "--json", ...(short ? ["--short"] : [])], { cwd: root, encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`bench-browser failed:\n${r.stderr}`);
  const line = r.stdout.trim().split("\n").pop();
  for (const x of JSON.parse(line).rows) row(x.measure, x.target, x.measured, short ? undefined : x.met, x.note ?? "");
}

// ---- assignors against Kafka's Java (core/tests/data/README.md) --------------------------------
const ASSIGN_ROWS = [
  // members, topics, partitions, uneven, leave, Kafka's Java ms per strategy (range, roundrobin, sticky, coop)
  [1000, 1, 10000, false, false, [8.9, 2.3, 4.4, 5.1]],
  [1000, 100, 10000, false, false, [37.9, 17.7, 9.8, 11.2]],
  [2000, 1, 100000, false, false, [48.3, 26.3, 15.7, 49.5]],
  [2000, 1, 100000, false, true, [34.7, 10.9, 87.8, 130.8]],
  [2000, 100, 100000, false, false, [229.2, 81.4, 27.2, 82.7]],
  [2000, 100, 100000, false, true, [68.4, 66.6, 160.4, 150.8]],
  [1000, 100, 10000, true, false, [95.2, 42.4, 5232, 5287]],
];
const STRATS = ["range", "roundrobin", "sticky", "cooperative-sticky"];
const assignTable = [];
for (const [m, t, p, uneven, leave, java] of short ? ASSIGN_ROWS.slice(0, 1) : ASSIGN_ROWS) {
  const cells = STRATS.map((s, i) => {
    const args = ["--strategy", s, "--members", String(m), "--topics", String(t), "--partitions", String(p), "--runs", short ? "1" : "7"];
    if (uneven) args.push("--uneven");
    if (leave) args.push("--leave");
    const out = cargoExample("assign_bench", args);
    const ms = Number(/median_ms=([\d.]+)/.exec(out)?.[1]);
    return `${ms.toFixed(2)} (${java[i]}) ${Math.round(java[i] / ms)}×`;
  });
  assignTable.push(`| ${m}, ${t}×${p / t}${uneven ? " uneven" : ""} | ${leave ? "10% leave" : "fresh"} | ${cells.join(" | ")} |`);
}

// ---- the table ---------------------------------------------------------------------------------
const out = [];
out.push(`Mailroom bench${short ? " (--short: tiny inputs; timings not comparable to the targets)" : ""}`);
out.push("");
out.push("| measure | target | measured | met | note |");
out.push("|---|---|---|---|---|");
for (const r of rows) out.push(`| ${r.measure} | ${r.target} | ${r.measured} | ${r.met} | ${r.note} |`);
out.push("");
out.push("Assignors, median ms of the assign call (Kafka's Java ms in parentheses; ratio):");
out.push("");
out.push("| members, topics×partitions | phase | range | roundrobin | sticky | coop-sticky |");
out.push("|---|---|---|---|---|---|");
out.push(...assignTable);
console.log(out.join("\n"));
