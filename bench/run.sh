#!/bin/sh
# Runs every benchmark against the build in $1.
set -e
build=${1:-build}
for b in bench/binlog_decode bench/apply bench/full_sync bench/density \
         bench/redis; do
    echo "== $b"
    "$b" "$build"
done
