"""Run every benchmark in bench/ in turn, each in its own process under a time limit.

Usage::

    .venv/bin/python bench/run_all.py [--timeout 120] [NAME ...]

A benchmark is any ``bench/<name>.py`` (not starting with ``_``) that defines ``main()`` at top
level; NAMEs (e.g. ``summarize``) pick some of them. Exit status: 0 when all of them passed.
"""

from __future__ import annotations

import argparse
import ast
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def defines_main(path: Path) -> bool:
    """True when the module has a top-level ``def main``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return any(isinstance(node, ast.FunctionDef) and node.name == "main" for node in tree.body)


def discover(directory: Path = BENCH) -> list[Path]:
    """The benchmark scripts in ``directory``, by name (this runner and helpers excluded)."""
    scripts = sorted(directory.glob("*.py"))
    return [
        p
        for p in scripts
        if not p.name.startswith("_") and p.name != Path(__file__).name and defines_main(p)
    ]


def run(script: Path, timeout: float) -> tuple[str, float]:
    """Run one benchmark with this interpreter; its output goes straight to ours.

    Past ``timeout`` its process group (it and its redis-server) gets SIGTERM, then SIGKILL.
    """
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(script)], start_new_session=True)
    try:
        code = proc.wait(timeout)
        status = "ok" if code == 0 else f"failed (exit {code})"
    except subprocess.TimeoutExpired:
        status = f"timed out after {timeout:g} s"
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return status, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Run the chosen (default: all) benchmarks and print a one-line result for each."""
    parser = argparse.ArgumentParser(description="Run every benchmark in bench/.")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per benchmark")
    args = parser.parse_args(argv)
    scripts = discover()
    if args.names:
        unknown = set(args.names) - {p.stem for p in scripts}
        if unknown:
            parser.error(f"no such benchmark: {', '.join(sorted(unknown))}")
        scripts = [p for p in scripts if p.stem in args.names]
    results = []
    for script in scripts:
        print(f"\n######## bench/{script.name}", flush=True)
        results.append((script.stem, *run(script, args.timeout)))
    print("\n######## summary")
    for name, status, seconds in results:
        print(f"{name:<20} {status:<28} {seconds:6.1f} s")
    return 0 if all(status == "ok" for _, status, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
