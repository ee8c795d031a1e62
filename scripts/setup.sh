#!/usr/bin/env bash
# Idempotent, offline-safe set-up for Mailroom: installs only what is missing and never
# downloads a browser (Playwright drives Debian's chromium). A second run takes about a second:
# every step is guarded by a cheap check. README.md ("Toolchain notes") says why each pin.
# Usage: scripts/setup.sh [--browser]   (--browser also installs Debian's chromium + chromedriver)
set -euo pipefail
cd "$(dirname "$0")/.."
WB=0.2.130   # must equal wasm-bindgen = "=0.2.130" in web/Cargo.toml (wasm-pack refuses a mismatch)
WP=0.15.1
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
have() { command -v "$1" >/dev/null 2>&1; }
ver()  { "$1" --version 2>/dev/null | awk '{print $2}'; }
log()  { printf '[setup] %s\n' "$*" >&2; }
pids=()

# Chromium is only needed by the tests; the apt step is I/O-bound, so it runs in the background
# while the cargo installs compile.
if [ "${1:-}" = "--browser" ] && { ! have chromium || ! have chromedriver; }; then
  log "installing chromium + chromium-driver (Debian packages)"
  ( SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null ) &
  pids+=($!)
fi
# No rust-toolchain.toml: with RUSTUP_AUTO_INSTALL=0 its `targets` are ignored silently.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
if [ "$(ver wasm-bindgen)" != "$WB" ]; then
  log "installing wasm-bindgen-cli $WB (about 2 minutes)"
  # no --locked: its lockfile wants a webpki-roots the registry here does not have
  cargo install wasm-bindgen-cli --version "=$WB" --force --quiet
fi
if [ "$(ver wasm-pack)" != "$WP" ]; then
  log "installing wasm-pack $WP (about 2.5 minutes)"
  cargo install wasm-pack --version "=$WP" --locked --force --quiet
fi
# npm ci writes node_modules/.package-lock.json; newer than the lockfile = up to date.
if [ -f package-lock.json ] && ! [ node_modules/.package-lock.json -nt package-lock.json ]; then
  log "installing npm dependencies"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi
for p in "${pids[@]}"; do wait "$p"; done
if [ "${1:-}" = "--browser" ] && ! have chromium; then
  log "chromium is still missing after apt-get; the browser tests cannot run"; exit 1
fi
exit 0
