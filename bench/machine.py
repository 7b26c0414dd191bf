"""What every benchmark says about the machine and its figures: the CPU, how busy it was, percentiles.

Not a benchmark itself (bench/run.py runs only bench_*.py); the scripts import it from their own
folder, which Python puts first on the path when it runs them.
"""

import os
import platform


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def load_note() -> str:
    """Other work on the machine skews the figures; say how busy it was."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"
