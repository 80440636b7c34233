#!/usr/bin/env bash
# Issue 19's table in one sitting, before and after alternating: each checkout runs its own
# benchmarks on its own copy of the same data set, one after the other, so both see the same
# machine. Everything printed goes to bench/out/sitting-<time>.log as well.
#
#   BEFORE=/path/to/old/checkout BEFORE_DB=… BEFORE_EMPTY=… AFTER_DB=… AFTER_EMPTY=… \
#       bash bench/sitting.sh
#
# The data sets: `bench.generate --seed 42` at 1,000,000 and 10,000 reports in each checkout's
# schema (or one data set copied with CREATE DATABASE … TEMPLATE and upgraded). The checkouts
# share this one's virtualenv. ROUNDS alternations of the intake runs (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
AFTER=$(pwd)
: "${BEFORE:?the old checkout}" "${BEFORE_DB:?}" "${BEFORE_EMPTY:?}" "${AFTER_DB:?}" "${AFTER_EMPTY:?}"
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-8}
PY=$AFTER/.venv/bin/python
mkdir -p bench/out
log=bench/out/sitting-$(date -u +%Y%m%dT%H%M).log
exec > >(tee "$log") 2>&1

side() {  # side NAME DIR: run the rest of the arguments in that checkout
  local name=$1 dir=$2
  shift 2
  echo
  echo "=== $name ($(git -C "$dir" rev-parse --short HEAD)) $* — $(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg)"
  (cd "$dir" && "$PY" "$@")
}

both() {  # both ARGS…: before then after, {DB} and {EMPTY} replaced by each side's databases
  local args_b=() args_a=()
  for arg in "$@"; do
    args_b+=("${arg//\{DB\}/$BEFORE_DB}")
    args_a+=("${arg//\{DB\}/$AFTER_DB}")
  done
  for i in "${!args_b[@]}"; do
    args_b[i]=${args_b[i]//\{EMPTY\}/$BEFORE_EMPTY}
    args_a[i]=${args_a[i]//\{EMPTY\}/$AFTER_EMPTY}
  done
  side before "$BEFORE" "${args_b[@]}"
  side after "$AFTER" "${args_a[@]}"
}

echo "sitting: $(date -u), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
  echo; echo "##### intake, round $round"
  for db in '{DB}' '{EMPTY}'; do
    both -m bench.intake_bench --database-url "$db" --runs 1 --duration "$DURATION" \
      --presort intake --no-spatialite
  done
done

echo; echo "##### CPU per request"
for target in staff qr raw; do
  both -m bench.cpu_split --database-url '{DB}' --target "$target" --seconds 10
done

echo; echo "##### SpatiaLite, one process"
spatialite='import sys
from bench.intake_bench import measure_spatialite
from bench.common import psycopg_url
r = measure_spatialite(psycopg_url(sys.argv[1]), 3, int(sys.argv[2]), 13)
r.print()'
both -c "$spatialite" '{EMPTY}' "$DURATION"

echo; echo "##### locate, PostGIS"
both -m bench.locate_bench --database-url '{DB}' --runs 3 --no-spatialite

echo; echo "##### reads at 1M"
both -m bench.read_bench --database-url '{DB}' --runs 3

echo; echo "sitting ended $(date -u), load $(cut -d' ' -f1-3 /proc/loadavg); log: $log"
