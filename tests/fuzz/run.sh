#!/bin/sh
# Runs every libFuzzer target in $1 for $2 seconds each, seeded from
# tests/fuzz/seeds/<target>/ when present and from the real binlogs of the
# corpus for binlog targets.  Fails if any target finds a crash.
set -e
dir=$1
secs=${2:-20}
corpora=${TANDEM_CORPORA:-../shared/corpora}
status=0
for f in "$dir"/fuzz_*; do
    [ -x "$f" ] || continue
    name=$(basename "$f")
    work=$(mktemp -d)
    seeds="tests/fuzz/seeds/$name"
    [ -d "$seeds" ] && cp -r "$seeds"/. "$work"/ 2>/dev/null || true
    if [ "$name" = fuzz_binlog ] && [ -d "$corpora" ]; then
        find "$corpora"/mysql-binlog "$corpora"/mariadb-binlog -type f \
            ! -name '*.txt' ! -name '*.md' ! -name '*.gz' -size -200k \
            -exec cp {} "$work"/ \; 2>/dev/null || true
    fi
    echo "fuzz: $name for ${secs}s"
    if ! "$f" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$dir/$name-" "$work" \
        >"$dir/$name.log" 2>&1; then
        echo "fuzz: $name FAILED, see $dir/$name.log"
        tail -30 "$dir/$name.log"
        status=1
    else
        grep -E 'stat::number_of_executed_units' "$dir/$name.log" || true
    fi
    rm -rf "$work"
done
exit $status
