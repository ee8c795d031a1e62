// The widget package's `prepack` (packages/widget/package.json): `npm pack ./packages/widget` (and
// `npm publish`) packs packages/widget/dist as it is, and npm runs nothing of ours before it but
// this. So it refuses, in one line and with exit status 1, to pack a dist/ that is missing,
// incomplete or older than what it is built from, and names the command to run first (issue 23).
// It does not build: a build from a fresh clone takes minutes, and npm would hide its output.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT } from "./need.mjs";

const PKG = join(ROOT, "packages/widget");
const FIRST = "run `npm run build:widget` at the repository root first";
const stop = (why) => {
  console.error(`[kafka-mailroom prepack] ${why}: ${FIRST}`);
  process.exit(1);
};

const { files } = JSON.parse(readFileSync(join(PKG, "package.json"), "utf8"));
const outs = files.map((f) => join(PKG, f));
const absent = outs.filter((f) => !existsSync(f));
if (absent.length) stop(`packages/widget/${absent.length === outs.length ? "dist" : relative(PKG, absent[0])} is missing`);

/** [mtime, path] of the newest file under `path`. */
function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return [st.mtimeMs, path];
  return readdirSync(path).map((f) => newest(join(path, f))).reduce((a, b) => (b[0] > a[0] ? b : a), [st.mtimeMs, path]);
}
// What scripts/build-widget.mjs reads (www/pkg is compared by content below: a rebuild of the same
// wasm rewrites the file without changing it).
const inputs = ["www/js", "www/css/mailroom.css", "packages/widget/src", "docs/scenario.schema.json", "scripts/build-widget.mjs"]
  .map((p) => join(ROOT, p)).filter(existsSync).map(newest);
const oldestOut = Math.min(...outs.map((f) => statSync(f).mtimeMs));
const [t, src] = inputs.reduce((a, b) => (b[0] > a[0] ? b : a));
if (t > oldestOut) stop(`packages/widget/dist is older than ${relative(ROOT, src)}`);
const wasm = join(ROOT, "www/pkg/mailroom_web_bg.wasm");
if (existsSync(wasm) && !readFileSync(wasm).equals(readFileSync(join(PKG, "dist/mailroom.wasm")))) {
  stop("packages/widget/dist/mailroom.wasm differs from the wasm in www/pkg");
}
