#!/bin/sh
# Runs every libFuzzer target in $1 for $2 seconds each, seeded from
# tests/fuzz/seeds/<target>/ when present, from the real binlogs of the
# corpus for binlog targets and from their statements for the DDL
# rewriter, from the corpus' RDB files and replication streams for the
# Redis targets.  Fails if any target finds a crash.
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
    if [ "$name" = fuzz_ddl_rewrite ] && [ -d "$corpora" ]; then
        # The QUERY statements of the corpus' decoded binlogs, one a file.
        find "$corpora" -path '*/decoded/*.txt' -print0 2>/dev/null |
            xargs -0 -r awk -v dir="$work" '
                /\tQuery(_compressed)?\t/ { q = 1; s = ""; next }
                !q { next }
                /^# at / { q = 0; next }
                /^\/\*!\*\/;$/ {
                    if (s != "") { f = dir "/sql" (++n); printf "%s", s > f
                                   close(f) }
                    q = 0; next }
                /^use `/ || /^# Ignored/ { next }
                /^(SET |\/\*!\\C).*\/\*!\*\/;$/ { next }
                { s = s (s == "" ? "" : "\n") $0 }' 2>/dev/null || true
    fi
    if [ "$name" = fuzz_rdb ] && [ -d "$corpora" ]; then
        # Two option bytes first: no checksum, so mutations reach values.
        find "$corpora"/redis-rdb -type f -name '*.rdb' -size -64k |
            while read -r f; do
                { printf '\020\006'; cat "$f"; } > "$work/$(basename "$f")"
            done
    fi
    if [ "$name" = fuzz_rdbcmd ] && [ -d "$corpora" ]; then
        find "$corpora"/redis-rdb -type f -name '*.rdb' -size -64k \
            -exec cp {} "$work"/ \; 2>/dev/null || true
    fi
    if [ "$name" = fuzz_resp ] && [ -d "$corpora" ]; then
        find "$corpora"/redis-rdb -type f \( -name '*.stream.bin' -o \
            -name '*.aof' \) -exec cp {} "$work"/ \; 2>/dev/null || true
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
