#!/usr/bin/env bash
# Runs a command in a network namespace of its own, so that whatever it
# starts can only talk to itself: loopback, plus a veth pair addressed
# 10.200.0.1/10.200.0.2 for peers that refuse loopback (Janus's ICE skips
# it). Nothing the tests or benchmarks send can reach another host.
#   scripts/isolated-net.sh [--default-route] COMMAND [ARGS...]
# --default-route also routes every other address through the veth (via
# 10.200.0.2, where it is dropped: the namespace forwards nothing), for a
# peer that gathers ICE candidates only on a host with a default route
# (Firefox: it gathers on the default route's interface, 10.200.0.1). It
# always makes a namespace of its own, even inside another one, so that the
# route stays with the command that asked for it.
set -euo pipefail
default_route=0
if [[ "${1:-}" == --default-route ]]; then
  default_route=1
  shift
fi
if [[ "${PLENUM_ISOLATED_NET:-}" == 1 ]] && ((!default_route)); then
  exec "$@"  # already inside
fi
exec unshare --net -- bash -c '
  set -euo pipefail
  default_route=$1
  shift
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
  if ((default_route)); then
    ip route add default via 10.200.0.2 dev plenum-a
  fi
  export PLENUM_ISOLATED_NET=1
  exec "$@"
' isolated-net "$default_route" "$@"
