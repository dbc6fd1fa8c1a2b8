"""Memory of the benchmark's own process (Linux): current RSS, and a resettable peak."""

from __future__ import annotations

import resource


def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    return 0


def rss_kb() -> int:
    """Resident set size now, kB."""
    return _status_kb("VmRSS")


def reset_peak() -> bool:
    """Reset the peak-RSS high-water mark to the current RSS (Linux ≥ 4.0); False if refused."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def peak_kb() -> int:
    """Peak RSS since the last :func:`reset_peak` (or since start), kB."""
    return _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
