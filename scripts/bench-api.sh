#!/usr/bin/env bash
# HTTP API read load (issue 3, docs/benchmarks.md "HTTP API reads"): starts a real
# cloudchaind in a temporary home on a free loopback port, mines until height >= 20
# (plus one transfer, so /v1/txs has something to find), pauses mining so the miner
# thread does not compete with the server for the cores, then runs the same bounded
# `wrk` load against each read route and prints requests/s and p50/p99 latency.
# The node has no static route, so /v1/status (a snapshot read) is the baseline of the
# machine's HTTP stack and every route is also given as a ratio to it; an unknown path
# (404 from the router, no node access) is shown as the floor of the stack.
#   scripts/bench-api.sh              (make bench-api)
# Environment: BUILD (default build), WRK_THREADS (1), WRK_CONNECTIONS (16),
# WRK_DURATION (10s), MIN_HEIGHT (20). Traffic goes only to 127.0.0.1; the node is
# always stopped and the temporary home removed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/${BUILD:-build}"
daemon="$build/apps/cloudchaind/cloudchaind"
cli="$build/apps/cloudchain/cloudchain"
threads=${WRK_THREADS:-1}
connections=${WRK_CONNECTIONS:-16}
duration=${WRK_DURATION:-10s}
min_height=${MIN_HEIGHT:-20}

[ -x "$daemon" ] && [ -x "$cli" ] || { echo "bench-api: build first (make build)" >&2; exit 1; }
command -v wrk > /dev/null || { echo "bench-api: wrk is missing (scripts/install-deps.sh)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/cloudchain-bench-api.XXXXXX")
home="$work/node"
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2> /dev/null; then
    kill -TERM "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/password"
cli_args=(--keystore "$work/keys" --password-file "$work/password" --network ccdev)
miner=$("$cli" "${cli_args[@]}" --json keys new --label miner --kdf minimal |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["address"])')
"$daemon" init --home "$home" --block-time-ms 100 > /dev/null

# Port 0: the node binds any free port and logs it, so there is no race for a port.
"$daemon" --home "$home" --mine --miner-address "$miner" --api-listen 127.0.0.1:0 \
  --log-level info > "$work/node.log" 2>&1 &
pid=$!
base=
for _ in $(seq 1 150); do
  base=$(grep -o 'api: listening on http://127\.0\.0\.1:[0-9]*' "$work/node.log" | head -n 1 |
    sed 's/^api: listening on //') || true
  [ -n "$base" ] && break
  kill -0 "$pid" 2> /dev/null || { cat "$work/node.log" >&2; echo "bench-api: cloudchaind exited" >&2; exit 1; }
  sleep 0.2
done
[ -n "$base" ] || { echo "bench-api: the API did not start" >&2; exit 1; }
cli_args+=(--node "$base")

json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
height() { curl -sf "$base/v1/status" | json_field '["height"]'; }

echo "bench-api: node at $base, mining to $miner; waiting for height >= $min_height"
for _ in $(seq 1 600); do
  h=$(height 2> /dev/null || echo 0)
  [ "$h" -ge "$min_height" ] && break
  kill -0 "$pid" 2> /dev/null || { cat "$work/node.log" >&2; echo "bench-api: cloudchaind exited" >&2; exit 1; }
  sleep 0.5
done
[ "$h" -ge "$min_height" ] || { echo "bench-api: height $h after 300 s" >&2; exit 1; }

# One transfer (miner to itself), so GET /v1/txs/{txid} reads an included transaction.
txid=$("$cli" "${cli_args[@]}" --json send --from miner --to "$miner" --amount 1 --wait \
  --wait-timeout 60 2> "$work/send.err" | json_field '["txid"]') || txid=
[ -n "$txid" ] || echo "bench-api: no transaction ($(tr '\n' ' ' < "$work/send.err")); /v1/txs skipped"

# Pause mining: on a small machine the miner thread would take a core from the server.
curl -sf -X POST -H "Authorization: Bearer $(tr -d '\n' < "$home/admin.token")" \
  -H 'Content-Type: application/json' -d '{"enabled": false}' "$base/v1/admin/mining" > /dev/null
tip=$(height)
block=$((tip / 2))

routes=("/v1/status" "/v1/blocks/$block" "/v1/accounts/$miner")
[ -n "$txid" ] && routes+=("/v1/txs/$txid")
routes+=("/v1/no-such-route" "/v1/status")

echo "bench-api: tip $tip, mining paused; wrk -t$threads -c$connections -d$duration --latency"
for r in "${routes[@]}"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$base$r")
  echo "  GET $r -> $code"
done

# /v1/status runs first and last: the baseline is their mean, which evens out some of
# the drift of a shared machine's load over the run.
labels=() rps=() p50=() p99=() errors=()
for r in "${routes[@]}"; do
  out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency "$base$r")
  rps+=("$(awk '/^Requests\/sec:/ {print $2}' <<< "$out")")
  p50+=("$(awk '$1 == "50%" {print $2}' <<< "$out")")
  p99+=("$(awk '$1 == "99%" {print $2}' <<< "$out")")
  # wrk counts non-2xx/3xx answers separately; the 404 route is expected to have them all.
  errors+=("$(awk '/Non-2xx or 3xx responses:/ {n += $NF} END {print n + 0}' <<< "$out")")
  case "$r" in
    /v1/blocks/*) labels+=("/v1/blocks/{height}") ;;
    /v1/accounts/*) labels+=("/v1/accounts/{addr}") ;;
    /v1/txs/*) labels+=("/v1/txs/{txid}") ;;
    /v1/no-such-route) labels+=("404 (router only)") ;;
    *) labels+=("$r") ;;
  esac
done
last=$((${#routes[@]} - 1))
baseline=$(python3 -c "print((${rps[0]} + ${rps[$last]}) / 2)")
echo
printf '%-24s %12s %10s %10s %8s %8s\n' route requests/s p50 p99 non-2xx ratio
for i in "${!routes[@]}"; do
  ratio=$(python3 -c "print(f'{${rps[$i]} / $baseline:.2f}')")
  printf '%-24s %12s %10s %10s %8s %8s\n' "${labels[$i]}" "${rps[$i]}" "${p50[$i]}" "${p99[$i]}" \
    "${errors[$i]}" "$ratio"
done
echo
echo "bench-api: ratio = requests/s ÷ mean /v1/status requests/s (first and last run; same wrk settings)"
