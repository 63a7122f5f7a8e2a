#!/bin/bash
# Reliability soak, by hand (not in CI): docs/RELIABILITY.md records its figures.
# usage: scripts/soak.sh BIN [PROCS] [APPENDS] [KILLS]   (SOAK_SYSTEM_CLOCK=1: appends take the system clock)
set -euo pipefail
BIN=$(realpath "$1"); P=${2:-8}; N=${3:-25}; K=${4:-100}
[ "${SOAK_SYSTEM_CLOCK:-}" = 1 ] || export CROWDLEDGER_TIME=1700000000
d=$(mktemp -d); cd "$d"
mkdir repo; printf '*.pem\n.*.state\n.*.tree\n.*.lane\n.*.tmp-*\n*.bak-*\n' > repo/.gitignore; git -C repo init -q .   # the ledger's own directory
A=$("$BIN" keygen --out a.pem); B=$("$BIN" keygen --out b.pem)
"$BIN" init --ledger repo/l.jsonl --fund "$A=1000000000" --fund "$B=1000000000" >/dev/null
# 1. P writers x N appends, with two readers looping verify/balances meanwhile.
reader() { while [ ! -e done ]; do "$BIN" "$1" --ledger repo/l.jsonl >/dev/null 2>>reader-errors || true; done; }
touch reader-errors; reader verify & r1=$!; reader balances & r2=$!; reads=0
pids=()
for i in $(seq "$P"); do
  k=a.pem; t=$B; [ $((i % 2)) = 0 ] && { k=b.pem; t=$A; }
  ( for j in $(seq "$N"); do "$BIN" transfer --ledger repo/l.jsonl --key $k --to "$t" --amount 1 || echo FAIL; done ) > "ids$i" &
  pids+=($!)
done
wait "${pids[@]}"; touch done; wait $r1 $r2; rm done
acked=$(cat ids* | grep -c '^[0-9a-f]\{64\}$' || true)
present=$("$BIN" log --json --ledger repo/l.jsonl | grep -o '"id":"[0-9a-f]*"' | cut -d'"' -f4 | sort)
lost=$(cat ids* | grep '^[0-9a-f]\{64\}$' | sort | comm -23 - <(printf '%s\n' "$present") | wc -l)
echo "concurrency: $P processes x $N appends: acknowledged $acked, lost $lost, failed $(cat ids* | grep -c FAIL || true), reader findings $(wc -l < reader-errors)"
# 2. K appends killed with SIGKILL at a random point (0-60 ms), each followed by a normal append.
: > acked
for r in $(seq "$K"); do
  "$BIN" transfer --ledger repo/l.jsonl --key a.pem --to "$B" --amount 1 > out & p=$!
  sleep "0.0$((RANDOM % 6))$((RANDOM % 10))"; kill -9 $p 2>/dev/null || true; wait $p 2>/dev/null && cat out >> acked || true
  if "$BIN" verify --ledger repo/l.jsonl 2>&1 | grep -q torn-tail; then "$BIN" repair --ledger repo/l.jsonl >/dev/null; echo "round $r: repaired a torn tail"; fi
  "$BIN" transfer --ledger repo/l.jsonl --key b.pem --to "$A" --amount 1 >> acked
  left=$(git -C repo status --porcelain --untracked-files=all | grep -v -e ' .gitignore$' -e ' l.jsonl$' -e '\.bak-' || true)
  [ -z "$left" ] || echo "round $r: leftover $left"
  [ -z "$(ls -A repo | grep '\.tmp-' || true)" ] || echo "round $r: temporary file left after the next append"
done
present=$("$BIN" log --json --ledger repo/l.jsonl | grep -o '"id":"[0-9a-f]*"' | cut -d'"' -f4 | sort)
echo "kills: $K rounds, acknowledged $(wc -l < acked), lost $(sort acked | comm -23 - <(printf '%s\n' "$present") | wc -l)"
"$BIN" verify --ledger repo/l.jsonl
cd /; rm -rf "$d"
