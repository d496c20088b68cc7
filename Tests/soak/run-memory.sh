#!/usr/bin/env bash
# Memory over a long run: trains the digits classifier for STEPS optimizer steps (default
# 100,000) on 2 ranks and prints each rank's resident memory (RSS) at 10% of the steps and
# at the end, and the growth between them. Goal: under 2% on every rank.
#   Tests/soak/run-memory.sh [STEPS]
# Uses the release build of launch/swift-ddp (built when missing). Takes a few minutes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/launch/common.sh"
steps="${1:-100000}"
[[ "$steps" =~ ^[1-9][0-9]*$ ]] || { say "run-memory: STEPS must be a positive whole number, got '$steps'"; exit 2; }

ensure_system_packages
ensure_release_build
clean_mpi_environment
work="$(mktemp -d)"
trap 'kill $job 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM

every=$(( steps / 100 > 0 ? steps / 100 : 1 ))
mpi=(mpirun -q -np 2 --bind-to none -x OPENBLAS_NUM_THREADS=1)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)
"${mpi[@]}" "$BINARY" --data digits --max-steps "$steps" --max-epochs 1000000 --batch-size 16 \
    --log-every-n-steps "$every" --log-dir "$work/logs" >"$work/out.txt" 2>&1 &
job=$!

# The latest step rank 0 logged, from metrics.csv (step is the second column).
latest_step() { tail -n 1 "$work/logs/metrics.csv" 2>/dev/null | cut -d, -f2 | grep -E '^[0-9]+$' || echo 0; }
# "rank-pid:rss-kB" for each rank (the job's swift-ddp processes, in pid order).
rss_of_ranks() {
    local pid
    for pid in $(pgrep -f "^$BINARY --data digits --max-steps $steps" | sort -n); do
        awk -v p="$pid" '/^VmRSS:/ { print p ":" $2 }' "/proc/$pid/status" 2>/dev/null || true
    done
}

early="" late=""
while kill -0 "$job" 2>/dev/null; do
    step="$(latest_step)"
    sample="$(rss_of_ranks)"
    if [ -z "$early" ] && [ "$step" -ge $(( steps / 10 )) ] && [ -n "$sample" ]; then early="$sample"; early_step=$step; fi
    if [ -n "$sample" ] && [ "$step" -ge $(( steps * 9 / 10 )) ]; then late="$sample"; late_step=$step; fi
    sleep 0.5
done
wait "$job" || { say "run-memory: the training run failed:"; cat "$work/out.txt" >&2; exit 1; }
[ -n "$early" ] && [ -n "$late" ] || { say "run-memory: the run ended before RSS could be sampled"; exit 1; }

echo "RSS per rank, at step $early_step (10%) and at step $late_step (the last sample):"
paste -d' ' <(tr ' ' '\n' <<<"$early") <(tr ' ' '\n' <<<"$late") | awk '
    { split($1, a, ":"); split($2, b, ":"); growth = 100 * (b[2] - a[2]) / a[2]
      printf "  rank %d: %.1f MB -> %.1f MB (%+.2f%%)\n", NR - 1, a[2] / 1024, b[2] / 1024, growth
      if (growth > worst) worst = growth }
    END { printf "largest growth: %+.2f%% (goal: under 2%%)\n", worst }'
grep -E '^done in' "$work/out.txt" || true
