#!/usr/bin/env bash
# `npm test`: every suite, cheapest first, so a core bug fails fast.
#   1. native Rust tests   2. wasm build   3. wasm tests in headless Chromium   4. Playwright e2e
#   5. the bench in --short mode (every row runs on tiny inputs, so it cannot rot; no timing asserted)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
step() { printf '\n[test] === %s ===\n' "$*" >&2; }
step "setup"
bash scripts/setup.sh --browser
step "cargo test --workspace (native)"
cargo test --workspace
step "build"
bash scripts/build.sh
step "widget bundle and npm package (dist/, packages/widget/dist/)"
node scripts/build-widget.mjs
step "wasm tests in headless Chromium"
# runner = wasm-bindgen-test-runner (.cargo/config.toml); be explicit about the driver so a
# geckodriver on PATH is never picked.
CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}" \
  cargo test -p mailroom-web --target wasm32-unknown-unknown
step "Playwright (real Chromium)"
npx --no-install playwright test
step "bench (--short)"
node scripts/bench.mjs --short
