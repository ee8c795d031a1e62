#!/usr/bin/env bash
# Builds the wasm binding into www/pkg/ (mailroom_web.js + mailroom_web_bg.wasm) and the config
# check's into www/pkg-check/ (mailroom_web_check*), and prints the .wasm sizes. Usage: scripts/build.sh [--opt]
#
# - `--profile wasm` (root Cargo.toml): release at opt-level 3 without the name section; speed
#   matters more than bytes for a model that must keep up with real time (see Cargo.toml).
# - wasm-opt stays off inside wasm-pack (`--no-opt`): it would run any `wasm-opt` on PATH (Debian's
#   binaryen 108 produces a module that breaks at init) or try to download one from GitHub.
# - `--mode no-install` makes a wasm-bindgen CLI/crate version mismatch fail loudly instead of
#   silently compiling another CLI for two minutes.
# - `--opt` additionally runs binaryen 132's `wasm-opt -Oz`, if `npm i --no-save binaryen@132.0.0`
#   put it in node_modules. On the opt-level 3 build it gains little (measured 2026-11: 612 → 572 KB
#   raw, 228 → 226 KB gzip, 179 → 178 KB brotli; -O1 does as well in a third of the time: 592 KB,
#   225 KB gzip), with no measurable change in speed; on the old opt-level "s" build -Oz made the
#   gzip larger (216 → 235 KB). So it is not part of the default build.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# Run on its own (not through `npm run build`, which sets up first), say what is missing in one line.
for tool in wasm-pack wasm-bindgen; do
  command -v "$tool" >/dev/null 2>&1 || { echo "[build] $tool is not installed: run \`npm run setup\` first (or \`npm run build\`, which does)" >&2; exit 1; }
done
wasm-pack build web --target web --profile wasm --mode no-install --no-opt --out-dir ../www/pkg \
  2> >(grep -v 'failed to get wasm-pack version' >&2)   # its update check cannot reach GitHub here
rm -f www/pkg/.gitignore www/pkg/README.md            # www/pkg is ignored by the root .gitignore
# The config check's own wasm (web-check/): only the page's "Check my config" worker loads it, so
# its .properties reader stays out of the player's wasm that every page and embed loads.
wasm-pack build web-check --target web --profile wasm --mode no-install --no-opt --out-dir ../www/pkg-check \
  2> >(grep -v 'failed to get wasm-pack version' >&2)
rm -f www/pkg-check/.gitignore www/pkg-check/README.md
wasm=www/pkg/mailroom_web_bg.wasm
if [ "${1:-}" = "--opt" ]; then
  if [ -x node_modules/.bin/wasm-opt ]; then
    echo "[build] wasm-opt -Oz (binaryen from node_modules)" >&2
    node_modules/.bin/wasm-opt -Oz --enable-reference-types --enable-bulk-memory \
      --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-multivalue \
      "$wasm" -o "$wasm.opt" && mv "$wasm.opt" "$wasm"
  else
    echo "[build] --opt: no node_modules/.bin/wasm-opt; run: npm i --no-save binaryen@132.0.0" >&2
  fi
fi
# Precompressed copies for scripts/serve.mjs (brotli at quality 11 takes seconds: once per build
# rather than at every server start). The server uses them only while they are newer than the .wasm.
for w in "$wasm" www/pkg-check/mailroom_web_check_bg.wasm; do
  node -e '
    const z = require("node:zlib"), fs = require("node:fs"), f = process.argv[1], b = fs.readFileSync(f);
    fs.writeFileSync(f + ".gz", z.gzipSync(b, { level: 9 }));
    fs.writeFileSync(f + ".br", z.brotliCompressSync(b, { params: {
      [z.constants.BROTLI_PARAM_QUALITY]: 11, [z.constants.BROTLI_PARAM_SIZE_HINT]: b.length } }));
  ' "$w"
  raw=$(stat -c %s "$w"); gz=$(stat -c %s "$w.gz"); br=$(stat -c %s "$w.br")
  printf '[build] %s: %s bytes (%s KiB), gzip -9: %s bytes (%s KiB), brotli: %s bytes (%s KiB)\n' \
    "$w" "$raw" "$((raw / 1024))" "$gz" "$((gz / 1024))" "$br" "$((br / 1024))"
done
