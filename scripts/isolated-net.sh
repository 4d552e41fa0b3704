#!/usr/bin/env bash
# Runs a command in a network namespace of its own, so that whatever it
# starts can only talk to itself: loopback, plus a veth pair addressed
# 10.200.0.1/10.200.0.2 for peers that refuse loopback (Janus's ICE skips
# it). Nothing the tests or benchmarks send can reach another host.
#   scripts/isolated-net.sh COMMAND [ARGS...]
set -euo pipefail
if [[ "${PLENUM_ISOLATED_NET:-}" == 1 ]]; then
  exec "$@"  # already inside
fi
exec unshare --net -- bash -c '
  set -euo pipefail
  ip link set lo up
  ip link add plenum-a type veth peer name plenum-b
  # No IPv6 link-local addresses: their duplicate detection completes a
  # second or two later, and a browser running by then takes the new
  # address for a network change and aborts what it was loading.
  ip link set plenum-a addrgenmode none
  ip link set plenum-b addrgenmode none
  ip addr add 10.200.0.1/24 dev plenum-a
  ip addr add 10.200.0.2/24 dev plenum-b
  ip link set plenum-a up
  ip link set plenum-b up
  export PLENUM_ISOLATED_NET=1
  exec "$@"
' isolated-net "$@"
