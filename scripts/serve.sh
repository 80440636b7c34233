#!/usr/bin/env bash
# `make run`'s last step: the development server and every background role the embedded default
# needs — the deadline sweep, the webhook deliverer, and the pre-sorter when pre-sorting runs
# beside intake (PRESORT_AT_INTAKE=false). Whichever way this stops (Ctrl-C, SIGTERM, the server
# dying), the roles stop with it.
set -uo pipefail
PY="${PY:-.venv/bin/python}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-5000}"
SWEEP_EVERY="${SWEEP_EVERY:-60}"

pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  wait
}
trap stop EXIT
trap 'exit 143' INT TERM

if [ "$SWEEP_EVERY" != 0 ]; then
  "$PY" -m flask sla sweep --every "$SWEEP_EVERY" & pids+=($!)
fi
"$PY" -m flask outbox deliver & pids+=($!)
case "${PRESORT_AT_INTAKE:-true}" in
  0 | false | no | off) "$PY" -m flask triage presort --every 1 & pids+=($!) ;;
esac
"$PY" -m flask run --host "$HOST" --port "$PORT" & server=$!
pids+=("$server")
wait "$server"
