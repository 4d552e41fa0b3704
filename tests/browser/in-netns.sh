#!/bin/sh
# Runs the browser in the network namespace PLENUM_NETNS names (a
# /proc/PID/ns/net path, see remote_host.mjs): Playwright starts this in
# place of the browser binary and talks to it over inherited pipes.
exec nsenter --net="$PLENUM_NETNS" -- "${PLENUM_CHROMIUM:-/usr/bin/chromium}" "$@"
