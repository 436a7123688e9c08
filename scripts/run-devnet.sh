#!/usr/bin/env bash
# The README's main job: a 4-node Proof-of-Work network on this machine, with light load.
#   scripts/run-devnet.sh            (Ctrl-C stops every node gracefully)
# First run: `cloudchain devnet up --nodes 4` creates keys, a genesis, four node homes in
# $DEVNET_DIR (default ./devnet) and starts the daemons; later runs restart the same
# network (its chain continues). A light `devnet load` runs in the background.
# Environment: DEVNET_DIR (default ./devnet), DEVNET_NODES (4), LOAD_TPS (5), BUILD (build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/${BUILD:-build}"
cli="$build/apps/cloudchain/cloudchain"
dir=${DEVNET_DIR:-$root/devnet}
nodes=${DEVNET_NODES:-4}
tps=${LOAD_TPS:-5}
export CLOUDCHAIND="$build/apps/cloudchaind/cloudchaind"

[ -x "$CLOUDCHAIND" ] && [ -x "$cli" ] || { echo "run-devnet: build first (make build)" >&2; exit 1; }
if [ -e "$dir" ] && [ ! -f "$dir/devnet.json" ]; then
  echo "run-devnet: $dir holds something else (the one-node devnet of an older version?)." >&2
  echo "run-devnet: move it away or remove it, or set DEVNET_DIR." >&2
  exit 1
fi

load_pid=
stop() {
  trap - INT TERM
  if [ -n "$load_pid" ]; then
    kill "$load_pid" 2>/dev/null || true
    wait "$load_pid" 2>/dev/null || true
  fi
  echo
  echo "run-devnet: stopping the devnet"
  "$cli" devnet down --dir "$dir" || true
  exit 0
}
trap stop INT TERM

"$cli" devnet up --nodes "$nodes" --dir "$dir"

# Light background load: LOAD_TPS transfers/s, in rounds of a minute, until Ctrl-C.
(
  child=
  trap '[ -n "$child" ] && kill "$child" 2>/dev/null; exit 0' INT TERM
  while :; do
    "$cli" devnet load --dir "$dir" --tps "$tps" --duration 60 --wait 30 > "$dir/load.log" 2>&1 &
    child=$!
    wait "$child" || sleep 5
  done
) &
load_pid=$!

api=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["nodes"][0]["api"])' "$dir/devnet.json")
cat <<MSG

  cloudchain devnet: $nodes nodes on loopback, ${tps} tx/s of background load ($dir/load.log)
  API of node0:  http://$api/v1/status     (peers: http://$api/v1/peers)
  Node logs:     $dir/node*/cloudchaind.log   ($cli devnet logs node0 --follow --dir $dir)
  Status:        $cli devnet status --dir $dir
  Wallet:        $cli --node http://$api --keystore $dir/keys --password-file $dir/password balance faucet
  More load:     $cli devnet load --tps 200 --duration 10 --dir $dir

  Ctrl-C stops every node (devnet down); running this again restarts the same network.

  Explorer:      http://$api/     (every node serves it on its API port)

MSG
while :; do
  sleep 10 &
  wait $! || true
  "$cli" devnet status --dir "$dir" | sed -n '3,$p' | awk '{print "  " $1, "height", $6, "peers", $8, "alive", $2}' | paste -sd ' ' -
done
