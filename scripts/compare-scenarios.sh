#!/usr/bin/env bash
# Proves a refactor kept the model's behaviour: every scenario's `simulate --events all` output
# (delivery totals, figures, event count and event_hash) compared with a saved baseline.
#
#   scripts/compare-scenarios.sh --record DIR   build, then save each scenario's output into DIR
#   scripts/compare-scenarios.sh DIR            build, then diff each scenario's output against DIR
#
# Runs scenarios/*.json and bench/scenarios/*.json except limits.json (a scenario that is meant to
# fail validation); the two big bench loads stop at 60 s of model time to keep a run short.
# `wall_ms` is dropped: it is the only figure that is not a function of the scenario.
# Set SIMULATE=path/to/binary to skip the build and run another binary (e.g. an older build).
# Exits 1 if any output differs or is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=compare
if [ "${1:-}" = "--record" ]; then
  mode=record
  shift
fi
dir="${1:?usage: compare-scenarios.sh [--record] DIR}"

if [ -z "${SIMULATE:-}" ]; then
  cargo build --release -q -p mailroom-core --example simulate
  SIMULATE=target/release/examples/simulate
fi
[ "$mode" = record ] && mkdir -p "$dir"

status=0
for file in scenarios/*.json bench/scenarios/*.json; do
  name="$(basename "$file" .json)"
  [ "$name" = limits ] && continue
  extra=()
  case "$name" in p256-50k | p32-16k) extra=(--until 60000) ;; esac
  key="$(dirname "$file" | tr / -)-$name.json"
  out="$("$SIMULATE" "$file" --events all "${extra[@]}" | sed -e 's/,"wall_ms":[0-9]*//')"
  if [ "$mode" = record ]; then
    printf '%s\n' "$out" >"$dir/$key"
    echo "recorded $key"
  elif [ ! -f "$dir/$key" ]; then
    echo "MISSING  $key (no baseline)"
    status=1
  elif [ "$out" = "$(cat "$dir/$key")" ]; then
    echo "same     $key"
  else
    echo "DIFFERS  $key"
    diff <(tr ',' '\n' <"$dir/$key") <(printf '%s\n' "$out" | tr ',' '\n') || true
    status=1
  fi
done
exit "$status"
