#!/usr/bin/env python3
"""Prints the results of `swift-ddp bench --json` runs as one Markdown table (for
BENCHMARKS.md), with the machine line of each run above it.

    python3 bench/markdown_table.py one-process.json two-ranks.json
"""
import json
import sys


def mib(value):
    return f"{value / 1048576:.1f} MiB"


def figure(result, prefix):
    if result.get(prefix + "value") is not None:
        return mib(result[prefix + "value"])
    ms = result.get("reference_ms" if prefix else "median_ms")
    rate = result.get("reference_samples_per_s" if prefix else "samples_per_s")
    parts = []
    if ms is not None:
        parts.append(f"{ms:.3g} ms" if ms < 100 else f"{ms:.0f} ms")
    if rate is not None:
        parts.append(f"{rate:.0f}/s")
    return ", ".join(parts)


def main(paths):
    rows = []
    for path in paths:
        with open(path) as file:
            run = json.load(file)
        m = run["machine"]
        print(f"- `{path.split('/')[-1]}`: {m['hostname']}, {m['cores']} cores, {m['ranks']} rank(s), "
              f"{m['blas']}, {m['blas_threads']} BLAS thread(s), {m['mpi']}, Swift {m['swift']}, {m['date']}")
        rows += run["results"]
    print()
    print("| name | ours | reference | against | ratio | spread (min-max) | rounds | goal |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        spread = f"{r['ratio_min']:.2f}-{r['ratio_max']:.2f}x" if "ratio_min" in r else ""
        goal = f"{r['goal']} {'met' if r['goal_met'] else '**missed**'}" if "goal" in r else ""
        print(f"| `{r['name']}` | {figure(r, '')} | {figure(r, 'reference_')} | {r['reference']} | "
              f"{r['ratio']:.2f}x | {spread} | {r['rounds']} | {goal} |")


if __name__ == "__main__":
    main(sys.argv[1:])
