#!/usr/bin/env bash
# `npm start`: set up (no browser needed), build the wasm, serve www/ on 127.0.0.1.
# Port: $PORT or 8080; if taken, the server falls back to a free port and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec node scripts/serve.mjs "${PORT:-8080}" --fallback
