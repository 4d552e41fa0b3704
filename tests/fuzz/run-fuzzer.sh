#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time from its seed corpus.
# usage: run-fuzzer.sh FUZZER SEED_DIR SECONDS
# New inputs go to a scratch directory, never into the repository's seeds;
# a crashing input is kept in the build directory (printed) to be added to
# the seeds once fixed.
set -euo pipefail
fuzzer=$1 seeds=$2 seconds=$3
scratch=$(mktemp -d "${TMPDIR:-/tmp}/plenum-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
artifacts="$(dirname "$fuzzer")/fuzz-artifacts/$(basename "$fuzzer")"
mkdir -p "$artifacts"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# One process, inputs up to 64 KiB (the server's message and body limit).
exec "$fuzzer" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" "$scratch" "$seeds"
