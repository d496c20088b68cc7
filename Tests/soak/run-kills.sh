#!/usr/bin/env bash
# Kills during checkpoint writes: starts a 2-rank run that writes a checkpoint at every
# optimizer step, kills every rank with SIGKILL at a random moment, resumes from
# last.safetensors, and repeats KILLS times (default 20). Then one run resumes and finishes.
# Prints, after each kill, whether last.safetensors still reads and how many temporary files
# the kill left; at the end, the temporary files left (goal: 0) and the checkpoints kept.
#   Tests/soak/run-kills.sh [KILLS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/launch/common.sh"
kills="${1:-20}"
[[ "$kills" =~ ^[1-9][0-9]*$ ]] || { say "run-kills: KILLS must be a positive whole number, got '$kills'"; exit 2; }

ensure_system_packages
ensure_release_build
clean_mpi_environment
work="$(mktemp -d)"
trap 'pkill -9 -f "^$BINARY --data digits --hidden 1024,1024" 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM
mpi=(mpirun -q -np 2 --bind-to none -x OPENBLAS_NUM_THREADS=1)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)
# About 4 MB of weights and 8 MB of momentum: each write takes long enough to be hit.
run=("$BINARY" --data digits --hidden 1024,1024 --checkpoint-every-n-steps 1 --log-dir "$work/logs")
temporaries() { find "$work/logs/checkpoints" -name '.*.tmp-*' 2>/dev/null | wc -l; }

for kill in $(seq 1 "$kills"); do
    resume=(); [ -f "$work/logs/checkpoints/last.safetensors" ] && resume=(--resume last)
    "${mpi[@]}" "${run[@]}" --max-epochs 1000 "${resume[@]+"${resume[@]}"}" >"$work/out.txt" 2>&1 &
    job=$!
    # Wait for the first write of this run, then a random moment within the next 2 s.
    for _ in $(seq 1 600); do [ -f "$work/logs/checkpoints/last.safetensors" ] && break; sleep 0.1; done
    sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.3 + 2 * r / 32768 }')"
    pkill -9 -f "^$BINARY --data digits --hidden 1024,1024" || true
    wait "$job" 2>/dev/null || true
    if "$BINARY" inspect "$work/logs/checkpoints/last.safetensors" >/dev/null 2>&1; then state=reads; else state=BROKEN; fi
    echo "kill $kill: last.safetensors $state; temporary files left by the kill: $(temporaries)"
done

"${mpi[@]}" "${run[@]}" --max-epochs 1 --force-resume --resume last >"$work/out.txt" 2>&1 ||
    { say "run-kills: the final resumed run failed:"; cat "$work/out.txt" >&2; exit 1; }
echo "after the final run: $(temporaries) temporary files; checkpoints: $(ls "$work/logs/checkpoints" | tr '\n' ' ')"
