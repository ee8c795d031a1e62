// The widget as a package (issue 9, parts 1, 2, 3 and 6): the drop-in dist/ from
// `npm run build:widget` on a static host that sends .wasm with the wrong MIME type, the npm
// package installed into a fresh Vite project and built, and its TypeScript declarations.
// Each page here is served by tests/static-server.mjs (not scripts/serve.mjs): a stand-in for a
// docs author's own host.
import { test, expect, canvasColours, cleanEnv, readmeBlock } from "./helpers.js";
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { serveStatic, STRICT_CSP } from "./static-server.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DIST = join(ROOT, "dist");
const PKG = join(ROOT, "packages/widget");
const FIXTURES = join(ROOT, "tests/fixtures/package");
const WIDGETS = "kafka-mailroom";

function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((f) => newest(join(path, f))));
}

/** Runs scripts/build-widget.mjs unless dist/ and the package are newer than everything they come from. */
function ensureBuilt() {
  const outs = [join(DIST, "mailroom.js"), join(PKG, "dist/mailroom.d.ts")];
  const inputs = ["www/js", "www/css/mailroom.css", "www/pkg", "scripts/build-widget.mjs", "packages/widget/src",
    "packages/widget/package.json", "docs/scenario.schema.json"].map((p) => join(ROOT, p));
  if (outs.every(existsSync) && Math.min(...outs.map(newest)) > Math.max(...inputs.map(newest))) return;
  execFileSync(process.execPath, ["scripts/build-widget.mjs"], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
}

const nowAll = (page) => page.evaluate((sel) => [...document.querySelectorAll(sel)].map((e) => e.controller.nowMs()), WIDGETS);

/** Waits until every widget's simulated time moved at least `ms` past `from`. */
async function expectMoving(page, ms = 300) {
  const from = await nowAll(page);
  await expect.poll(async () => (await nowAll(page)).every((t, i) => t >= from[i] + ms), { timeout: 15_000 }).toBe(true);
}

/** The widget's shadow root got its styles (a loaded sheet with rules). */
const styled = (page, sel) => page.evaluate((s) => [...document.querySelectorAll(s)].map((e) => {
  const link = (e.shadowRoot ?? e).querySelector("link[rel=stylesheet]");
  return (link?.sheet?.cssRules.length ?? 0) > 0;
}), sel);

test.describe.configure({ mode: "serial" });
test.beforeAll(() => { test.setTimeout(120_000); ensureBuilt(); });

test("build:widget writes one bundled module, the wasm, the styles and .gz/.br copies of each", () => {
  const files = ["mailroom-sweep-worker.js", "mailroom.css", "mailroom.js", "mailroom.wasm"];
  expect(readdirSync(DIST).sort()).toEqual(files.flatMap((f) => [f, `${f}.br`, `${f}.gz`]).sort());
  for (const f of files) {
    const raw = readFileSync(join(DIST, f));
    const gz = readFileSync(join(DIST, `${f}.gz`));
    const br = readFileSync(join(DIST, `${f}.br`));
    expect(gunzipSync(gz).equals(raw), `${f}.gz decompresses to ${f}`).toBe(true);
    expect(brotliDecompressSync(br).equals(raw), `${f}.br decompresses to ${f}`).toBe(true);
    expect(br.length).toBeLessThan(gz.length);
    expect(gz.length).toBeLessThan(raw.length * 0.5);
  }
  const js = readFileSync(join(DIST, "mailroom.js"), "utf8");
  // one module: it imports nothing at run time; it finds its two files next to itself
  expect(js).not.toMatch(/\bimport\s*\(|\bimport\s*[\w${*][^;"'`]*\bfrom\s*["']|^import\s*["']|\bexport\s*\*\s*from\s*["']/m);
  expect(js).toContain('new URL("./mailroom.wasm",import.meta.url)');
  expect(js).toContain('new URL("./mailroom.css",import.meta.url)');
  expect(js).toContain('new URL("./mailroom-sweep-worker.js",import.meta.url)');
  const worker = readFileSync(join(DIST, "mailroom-sweep-worker.js"), "utf8");
  expect(worker).not.toMatch(/\bimport\s*\(|\bimport\s*[\w${*][^;"'`]*\bfrom\s*["']|^import\s*["']|\bexport\s*\*\s*from\s*["']/m);
  expect(worker).toContain('new URL("./mailroom.wasm",import.meta.url)');
  expect(js).not.toContain("../"); // nothing outside its folder
  expect(readFileSync(join(DIST, "mailroom.wasm")).subarray(0, 4).toString("hex")).toBe("0061736d");
});

test("the README's plain HTML on a host that sends .wasm as application/octet-stream: two widgets play", async ({ page, errors }) => {
  const site = mkdtempSync(join(tmpdir(), "mailroom-site-"));
  cpSync(DIST, join(site, "mailroom"), { recursive: true }); // "copy dist/ to your site as mailroom/"
  writeFileSync(join(site, "index.html"), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>My docs</title><link rel="icon" href="data:,"></head>
<body><h1>Consumer groups</h1><p>Two figures:</p>
${readmeBlock("plain-html")}
</body></html>`);
  const server = await serveStatic(site, { wasmType: "application/octet-stream", precompressed: true, csp: STRICT_CSP });
  const warnings = [];
  page.on("console", (m) => { if (m.type() === "warning") warnings.push(m.text()); });
  try {
    await page.goto(`${server.url}/`);
    await expect(page.locator(WIDGETS)).toHaveCount(2);
    await expect(page.locator(`${WIDGETS}[data-ready='1']`)).toHaveCount(2, { timeout: 20_000 });
    await expectMoving(page); // both autoplay, each on its own simulation
    expect(await styled(page, WIDGETS)).toEqual([true, true]);
    for (const n of [1, 2]) expect(await canvasColours(page, `${WIDGETS}:nth-of-type(${n})`)).toBeGreaterThan(5);
    expect(await page.evaluate((s) => document.querySelectorAll(s)[1].shadowRoot.querySelector(".mr").dataset.theme, WIDGETS)).toBe("dark");

    // what the host sent: the wrong MIME type, a precompressed copy, one module, the wasm once
    const wasm = server.served.filter((r) => r.path === "/mailroom/mailroom.wasm");
    expect(wasm.length).toBe(1);
    expect(wasm[0].type).toBe("application/octet-stream");
    expect(["br", "gzip"]).toContain(wasm[0].encoding);
    expect(server.served.filter((r) => r.path.endsWith(".js")).map((r) => r.path)).toEqual(["/mailroom/mailroom.js"]);
    expect(server.served.filter((r) => r.status !== 200)).toEqual([]);
    expect(warnings.filter((w) => /wasm|mime|instantiate/i.test(w))).toEqual([]);

    // a panic in one widget: it restarts on a fresh wasm instance (a fresh copy of the bundled
    // glue over the same compiled module), the other widget never notices
    const out = await page.evaluate(async (s) => {
      const [a, b] = [...document.querySelectorAll(s)].map((e) => e.controller);
      b.pause();
      b.seek(3000);
      b.debugPanic();
      const broken = b.state().broken?.message ?? null;
      await b.recover();
      return { broken, instance: b.wasm.instance, now: b.nowMs(), other: a.wasm.instance, otherBroken: a.state().broken };
    }, WIDGETS);
    expect(out.broken).toContain("unreachable");
    expect(out.instance).not.toBe("shared");
    expect(out.other).toBe("shared");
    expect(out.otherBroken).toBeNull();
    expect(out.now).toBe(3000);
    await page.evaluate((s) => document.querySelectorAll(s)[1].play(), WIDGETS);
    await expectMoving(page);
    // the panic is reported by the model's panic hook on purpose; nothing else may be
    const unexpected = errors.filter((e) => !/unreachable|panicked/i.test(e));
    errors.length = 0;
    expect(unexpected).toEqual([]);
    expect(server.served.filter((r) => r.path.endsWith(".wasm")).length).toBe(1); // compiled once, instantiated twice
  } finally {
    await server.close();
    rmSync(site, { recursive: true, force: true });
  }
});

// ---- the npm package in a fresh Vite project --------------------------------------------------

let project = null;

/** npm pack → a new folder with vite@8.3.8 and the tarball installed (once for the two tests below). */
function viteProject() {
  if (project) return project;
  const dir = mkdtempSync(join(tmpdir(), "mailroom-vite-"));
  const env = cleanEnv();
  const [packed] = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", dir, PKG], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] }));
  const files = packed.files.map((f) => f.path).sort();
  writeFileSync(join(dir, "package.json"), JSON.stringify({
    name: "my-docs", private: true, type: "module",
    devDependencies: { vite: "8.3.8" }, dependencies: { [packed.name]: `file:./${packed.filename}` },
  }, null, 2));
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"], timeout: 90_000 });
  project = { dir, name: packed.name, files };
  return project;
}

test.afterAll(() => { if (project) rmSync(project.dir, { recursive: true, force: true }); });

test("npm pack → a fresh Vite project → vite build: import \"<package>\" and import { mount } both work", async ({ page, errors }) => {
  test.setTimeout(150_000);
  const { dir, name, files } = viteProject();
  expect(files).toEqual(["LICENSE", "README.md", "dist/mailroom-sweep-worker.js", "dist/mailroom.css", "dist/mailroom.d.ts", "dist/mailroom.js",
    "dist/mailroom.wasm", "dist/scenario.d.ts", "dist/scenes.d.ts", "package.json"]);
  // page 1: the README's main.js and the element
  writeFileSync(join(dir, "main.js"), readmeBlock("vite").replaceAll("kafka-mailroom\"", `${name}"`));
  writeFileSync(join(dir, "index.html"), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Docs</title><link rel="icon" href="data:,">
<script type="module" src="/main.js"></script></head>
<body><h1>Rebalancing</h1><kafka-mailroom id="fig" scenario="eager-vs-cooperative" controls autoplay height="440px"></kafka-mailroom></body></html>`);
  // page 2: mount() from the package's named export
  writeFileSync(join(dir, "scripted.js"), `import { mount } from "${name}";
mount(document.getElementById("figure"), { scenario: "static-membership", controls: "basic", height: "400px" })
  .then((sim) => { window.sim = sim; document.body.dataset.ready = "1"; });
`);
  writeFileSync(join(dir, "scripted.html"), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Scripted</title><link rel="icon" href="data:,">
<script type="module" src="/scripted.js"></script></head><body><div id="figure"></div></body></html>`);
  writeFileSync(join(dir, "vite.config.js"), `export default { logLevel: "warn", build: { rolldownOptions: { input: ["index.html", "scripted.html"] } } };\n`);
  const vite = spawnSync(join(dir, "node_modules/.bin/vite"), ["build"], { cwd: dir, env: cleanEnv(), encoding: "utf8", timeout: 60_000 });
  expect(vite.status, vite.stderr).toBe(0);
  expect(`${vite.stdout}${vite.stderr}`).not.toMatch(/doesn't exist at build time|warn/i); // logLevel "warn": silent when clean
  const assets = readdirSync(join(dir, "dist/assets"));
  expect(assets.filter((f) => f.endsWith(".wasm")).length).toBe(1);
  expect(assets.filter((f) => f.endsWith(".css")).length).toBe(1);

  const server = await serveStatic(join(dir, "dist"), { csp: STRICT_CSP }); // the right MIME type: streaming compilation
  try {
    await page.goto(`${server.url}/`);
    await expect(page.locator("#fig[data-ready='1']")).toBeVisible({ timeout: 20_000 });
    await expectMoving(page);
    expect(await styled(page, "#fig")).toEqual([true]);
    expect(await canvasColours(page, "#fig")).toBeGreaterThan(5);
    await page.evaluate(() => document.getElementById("fig").apply({ type: "CrashConsumer", group: 0, member: 0 }));
    expect(await page.evaluate(() => document.getElementById("fig").snapshot().groups[0].members[0].state)).toBe("Crashed");
    expect(server.served.find((r) => r.path.endsWith(".wasm")).type).toBe("application/wasm");

    await page.goto(`${server.url}/scripted.html`);
    await page.waitForSelector("body[data-ready='1']", { timeout: 20_000 });
    const api = await page.evaluate(() => {
      const c = window.sim;
      c.seek(6000);
      c.apply({ type: "AddConsumer", group: 0 });
      return { now: c.snapshot().now_ms, members: c.snapshot().groups[0].members.length, fns: ["play", "pause", "step", "seek", "apply", "snapshot", "on"].every((f) => typeof c[f] === "function") };
    });
    expect(api.fns).toBe(true);
    expect(api.now).toBeGreaterThanOrEqual(6000);
    expect(api.members).toBe(4);
    expect(await canvasColours(page, "#figure")).toBeGreaterThan(5);
    expect(await styled(page, "#figure")).toEqual([true]);
  } finally {
    await server.close();
  }
});

test("types: a consumer file type-checks against the installed package; deliberate mistakes do not", () => {
  test.setTimeout(120_000);
  const { dir, name } = viteProject();
  const tsc = join(ROOT, "node_modules/.bin/tsc");
  const compilerOptions = {
    strict: true, noEmit: true, target: "es2022", module: "esnext", moduleResolution: "bundler",
    lib: ["es2022", "dom", "dom.iterable"], types: [], skipLibCheck: false, isolatedModules: true,
  };
  for (const f of ["consumer.ts", "wrong.ts"]) {
    writeFileSync(join(dir, f), readFileSync(join(FIXTURES, f), "utf8").replaceAll("\"kafka-mailroom\"", `"${name}"`));
    writeFileSync(join(dir, `tsconfig.${f}.json`), JSON.stringify({ compilerOptions, files: [f] }));
  }
  const run = (f) => {
    try {
      return { code: 0, out: execFileSync(tsc, ["-p", `tsconfig.${f}.json`, "--pretty", "false"], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }) };
    } catch (err) {
      return { code: err.status, out: `${err.stdout}${err.stderr}` };
    }
  };
  const good = run("consumer.ts");
  expect(good.out).toBe("");
  expect(good.code).toBe(0);
  const bad = run("wrong.ts");
  expect(bad.code).not.toBe(0);
  // exactly the lines marked WRONG fail, each for its own reason
  const wrongLines = readFileSync(join(FIXTURES, "wrong.ts"), "utf8").split("\n")
    .flatMap((l, i) => (l.includes("// WRONG") ? [i + 1] : []));
  const errorLines = [...new Set([...bad.out.matchAll(/wrong\.ts\((\d+),\d+\): error TS\d+/g)].map((m) => Number(m[1])))].sort((a, b) => a - b);
  expect(wrongLines.length).toBe(6);
  expect(errorLines).toEqual(wrongLines);
});
