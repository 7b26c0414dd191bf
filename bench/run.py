"""Run every benchmark in this folder (bench_*.py), one after the other, and print their output.

Each one's wall time is printed after it and the total at the end: `make bench` should stay
under about twelve minutes on a two-core machine.
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = 0
    began = time.perf_counter()
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n## {script.stem}", flush=True)
        started = time.perf_counter()
        failed |= subprocess.call([sys.executable, str(script)]) != 0
        print(f"({script.stem} took {time.perf_counter() - started:.0f} s)", flush=True)
    print(f"\nAll benchmarks took {(time.perf_counter() - began) / 60:.1f} min.")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
