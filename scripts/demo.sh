#!/usr/bin/env bash
# Starts the Falcon API emulator with the demo fleet, applies the
# containment playbook to it, lists the evidence it collected, and stops the
# emulator. Run from the repository root (make demo).
set -euo pipefail

bin=${RTRPLAY_BIN:-bin/rtrplay}
run_dir=${RUN_DIR:-runs/demo-$(date -u +%Y%m%dT%H%M%SZ)}
env_file=$(mktemp)
log_file=$(mktemp)

"$bin" sim -fleet demo >"$env_file" 2>"$log_file" &
sim_pid=$!
cleanup() {
  kill "$sim_pid" 2>/dev/null || true
  wait "$sim_pid" 2>/dev/null || true
  rm -f "$env_file" "$log_file"
}
trap cleanup EXIT

# The emulator prints its four KEY=VALUE lines once it is listening.
for _ in $(seq 1 100); do
  [ "$(grep -c '=' "$env_file" || true)" -ge 4 ] && break
  if ! kill -0 "$sim_pid" 2>/dev/null; then
    cat "$log_file" >&2
    exit 1
  fi
  sleep 0.1
done
set -a
# shellcheck disable=SC1090
. "$env_file"
set +a

"$bin" apply -auto-approve -run-dir "$run_dir" -reason "demo on the emulator" examples/playbooks/containment.hcl
echo
echo "Evidence:"
find "$run_dir" -type f | sort
