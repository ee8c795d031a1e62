// A docs author's first steps on a fresh clone (issue 23): in a clean copy of the repository (the
// files git would commit: tracked and untracked-but-not-ignored, so no node_modules, www/pkg,
// dist or packages/widget/dist), the README's Embedding commands run exactly as written, and the
// result embedded in a static page with the README's HTML plays. Before anything is built, the
// commands that need a build first say so in one line and exit non-zero.
//
// Two things a user would not do, to keep this cheap on CI's 2 cores (the README says so too):
//  - the copy keeps the files' modification times, and CARGO_TARGET_DIR points at this checkout's
//    target/, which `npm test` has just built into: cargo finds the wasm up to date instead of
//    compiling it again for minutes (a changed source would still be recompiled);
//  - `npm ci` in the copy installs from npm's cache when it can (its own default).
import { test, expect, canvasColours, cleanEnv, readmeBlock } from "./helpers.js";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic, STRICT_CSP } from "./static-server.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TARGET = process.env.CARGO_TARGET_DIR ?? join(ROOT, "target");
const WIDGETS = "kafka-mailroom";

/** A clean copy of what `git clone` of this working tree would hold, modification times kept. */
function cleanCopy() {
  const dir = mkdtempSync(join(tmpdir(), "mailroom-fresh-clone-"));
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT })
    .toString().split("\0").filter(Boolean);
  for (const f of files) {
    const src = join(ROOT, f);
    if (!existsSync(src) || lstatSync(src).isDirectory()) continue; // deleted but not yet committed
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(src, join(dir, f), { preserveTimestamps: true });
  }
  return dir;
}

/** Runs one shell line in `cwd` as a user would type it; returns {status, out} (stdout + stderr). */
function sh(line, cwd, timeout = 14 * 60_000) {
  const r = spawnSync("bash", ["-c", line], {
    cwd,
    env: cleanEnv({ CARGO_TARGET_DIR: TARGET, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" }),
    encoding: "utf8",
    timeout,
    maxBuffer: 64 << 20,
  });
  return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}`, stderr: r.stderr ?? "" };
}

/** The lines of a README shell block (comments stay: bash drops them). */
const lines = (block) => block.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));

/** A static site folder with the README's HTML in its index page. */
function site(dir) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "index.html"), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>My docs</title><link rel="icon" href="data:,"></head>
<body><h1>Consumer groups</h1><p>Two figures:</p>
${readmeBlock("plain-html")}
</body></html>`);
  return dir;
}

/** Serves `dir` as a static host would and checks that the README's two widgets play. */
async function expectWidgetsPlay(page, dir) {
  const server = await serveStatic(dir, { precompressed: true, csp: STRICT_CSP });
  try {
    await page.goto(`${server.url}/`);
    await expect(page.locator(`${WIDGETS}[data-ready='1']`)).toHaveCount(2, { timeout: 30_000 });
    const nowAll = () => page.evaluate((s) => [...document.querySelectorAll(s)].map((e) => e.controller.nowMs()), WIDGETS);
    const from = await nowAll();
    await expect.poll(async () => (await nowAll()).every((t, i) => t >= from[i] + 300), { timeout: 15_000 }).toBe(true);
    for (const n of [1, 2]) expect(await canvasColours(page, `${WIDGETS}:nth-of-type(${n})`)).toBeGreaterThan(5);
    expect(server.served.filter((r) => r.status !== 200)).toEqual([]);
    return server.served;
  } finally {
    await server.close();
  }
}

let clone = null;
const scratch = [];

test.describe.configure({ mode: "serial" });
test.beforeAll(() => { clone = cleanCopy(); });
test.afterAll(() => { for (const d of [clone, ...scratch]) if (d) rmSync(d, { recursive: true, force: true }); });

test("before any build, commands that need one say in one line what to run first and exit non-zero", () => {
  for (const p of ["node_modules", "www/pkg", "dist", "packages/widget/dist"]) expect(existsSync(join(clone, p)), `${p} in the fresh copy`).toBe(false);
  expect(existsSync(join(clone, "README.md")) && existsSync(join(clone, "package-lock.json"))).toBe(true);

  const pack = sh("npm pack ./packages/widget", clone, 60_000);
  expect(pack.status).not.toBe(0);
  expect(pack.out).toContain("[kafka-mailroom prepack] packages/widget/dist is missing: run `npm run build:widget` at the repository root first");
  expect(readdirSync(clone).filter((f) => f.endsWith(".tgz"))).toEqual([]);

  const serve = sh("npm run serve", clone, 60_000);
  expect(serve.status).not.toBe(0);
  expect(serve.out).toContain("[serve] www/pkg/mailroom_web_bg.wasm is missing: run `npm run build` first");

  // scripts started on their own: nothing but the one line
  for (const [line, says] of [
    ["node scripts/build-widget.mjs", "[build:widget] esbuild is not installed: run `npm run build:widget` instead"],
    ["node scripts/bench-start.mjs", "[bench-start] playwright-core is not installed: run `npm run bench:start` instead"],
    ["node scripts/serve.mjs", "[serve] www/pkg/mailroom_web_bg.wasm is missing"],
  ]) {
    const r = sh(line, clone, 60_000);
    expect(r.status, line).toBe(1);
    expect(r.stderr.trim().split("\n"), line).toHaveLength(1);
    expect(r.stderr, line).toContain(says);
  }
});

test("the README's build-and-copy lines in the fresh copy, then its HTML on a static host: both widgets play", async ({ page, errors }) => {
  test.setTimeout(20 * 60_000);
  const mySite = site(join(clone, "my-site")); // the author's site, already there
  for (const line of lines(readmeBlock("build-and-copy"))) {
    const r = sh(line, clone);
    expect(r.status, `${line}\n${r.out.slice(-4000)}`).toBe(0);
  }
  expect(readdirSync(join(mySite, "mailroom")).sort()).toEqual(["mailroom-sweep-worker.js", "mailroom.css", "mailroom.js", "mailroom.wasm"]
    .flatMap((f) => [f, `${f}.br`, `${f}.gz`]).sort());
  const served = await expectWidgetsPlay(page, mySite);
  expect(served.filter((r) => r.path.endsWith(".js")).map((r) => r.path)).toEqual(["/mailroom/mailroom.js"]);
  expect(errors).toEqual([]);
});

test("the README's pack lines: npm pack in the fresh copy, npm install of the tarball in a new project; its files play", async ({ page, errors }) => {
  test.setTimeout(10 * 60_000);
  const [packLine, installLine] = lines(readmeBlock("pack"));
  const packed = sh(packLine, clone);
  expect(packed.status, packed.out.slice(-4000)).toBe(0);
  // the second build:widget of this copy installs nothing (setup is idempotent)
  expect(packed.out).not.toMatch(/\[setup\] (installing|adding)/);
  const tgz = /\.\/(\S+\.tgz)/.exec(installLine)[1];
  expect(existsSync(join(clone, tgz)), `${tgz} in the copy`).toBe(true);

  const project = mkdtempSync(join(tmpdir(), "mailroom-project-"));
  scratch.push(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "my-docs", private: true, type: "module" }, null, 2));
  cpSync(join(clone, tgz), join(project, tgz)); // "with the tarball copied there"
  const installed = sh(installLine, project, 5 * 60_000);
  expect(installed.status, installed.out).toBe(0);
  const dist = join(project, "node_modules/kafka-mailroom/dist");
  expect(readdirSync(dist).sort()).toEqual(["mailroom-sweep-worker.js", "mailroom.css", "mailroom.d.ts", "mailroom.js", "mailroom.wasm", "scenario.d.ts", "scenes.d.ts"]);

  // the installed package's files, served as the plain-HTML route serves dist/
  const mySite = site(join(project, "site"));
  cpSync(dist, join(mySite, "mailroom"), { recursive: true });
  await expectWidgetsPlay(page, mySite);
  expect(errors).toEqual([]);
});
