#!/usr/bin/env bash
# The README's main job: a one-node Proof-of-Work network that mines, on this machine.
# First run: creates a miner key (devnet password in $HOME_DIR/password) and a node home,
# then starts cloudchaind mining to that key. Later runs reuse both and continue the chain.
#   scripts/run-devnet.sh            (Ctrl-C stops the node gracefully)
# Environment: CLOUDCHAIN_HOME (default ./devnet), CLOUDCHAIN_API (default 127.0.0.1:8645),
# BUILD (default build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/${BUILD:-build}"
daemon="$build/apps/cloudchaind/cloudchaind"
cli="$build/apps/cloudchain/cloudchain"
home=${CLOUDCHAIN_HOME:-$root/devnet}
api=${CLOUDCHAIN_API:-127.0.0.1:8645}
keystore="$home/keys"
password="$home/password"

[ -x "$daemon" ] && [ -x "$cli" ] || { echo "run-devnet: build first (make build)" >&2; exit 1; }
cli_args=(--node "http://$api" --keystore "$keystore" --password-file "$password" --network ccdev)

if [ ! -f "$home/config.toml" ]; then
  mkdir -p "$home"
  [ -f "$password" ] || { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$password"; chmod 600 "$password"; }
  echo "run-devnet: creating the miner key and the node home in $home"
  "$cli" "${cli_args[@]}" keys new --label miner --kdf minimal > /dev/null
  "$daemon" init --home "$home"
fi
miner=$("$cli" "${cli_args[@]}" --json keys show miner | python3 -c 'import json,sys; print(json.load(sys.stdin)["address"])')

"$daemon" --home "$home" --mine --miner-address "$miner" --api-listen "$api" &
pid=$!
# Ctrl-C reaches the whole foreground process group, the daemon included, so on INT we
# only wait for its graceful stop (a second signal would make it exit at once); a TERM
# sent to this script alone is passed on.
trap 'wait $pid' INT
trap 'kill -TERM $pid 2>/dev/null; wait $pid' TERM

for _ in $(seq 1 100); do
  "$cli" "${cli_args[@]}" status > /dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { echo "run-devnet: cloudchaind exited; see the log above" >&2; exit 1; }
  sleep 0.2
done

cat <<MSG

  cloudchain devnet is running (pid $pid), mining to $miner
  API:        http://$api/v1/status
  Home:       $home   (keys in $home/keys, key password in $home/password)

  First command to try (in another terminal):
    $cli --keystore $keystore --password-file $password status
  then, once a few blocks are mined:
    $cli --keystore $keystore --password-file $password balance miner

  Ctrl-C stops the node; running this again continues the same chain.

MSG
wait $pid
