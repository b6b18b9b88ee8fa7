"""Small helpers shared by the benchmarks: timing a command, printing a table."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Sequence

_MEASURE = (
    "import resource, subprocess, sys, time; t = time.perf_counter(); "
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def run_timed(argv: Sequence[str]) -> tuple[float, float]:
    """Run a command; its wall time in seconds and its peak resident memory in MB.

    A fresh wrapper process runs the command, so the peak is that command's alone.
    """
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *argv], check=True, capture_output=True, text=True
    )
    seconds, peak_kb = done.stdout.split()
    return float(seconds), float(peak_kb) / 1024


def time_commands(commands: dict[str, list[str]], repeats: int) -> list[list[str]]:
    """Run each command ``repeats`` times: its name, median and max seconds, and peak MB."""
    rows = []
    for name, argv in commands.items():
        runs = [run_timed(argv) for _ in range(repeats)]
        seconds = [r[0] for r in runs]
        rows.append(
            [
                name,
                f"{statistics.median(seconds):.2f}",
                f"{max(seconds):.2f}",
                f"{max(r[1] for r in runs):.0f}",
            ]
        )
    return rows


def python_script(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(c) for c in header]] + [[_cell(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n{title}\n")
    print("| " + " | ".join(c.ljust(w) for c, w in zip(cells[0], widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def _cell(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)
