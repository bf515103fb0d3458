"""Interleaved side-by-side timing: the ratio of two callables, measured together.

::

    from benchmarks.harness import compare

    compare("ask vs loop", party_ask, plain_loop, target=1.1)

Each round times a batch of ``subject`` then a batch of ``baseline`` (the
order alternates between rounds), so drift of the machine hits both alike;
the printed ratio is ``subject / baseline`` as median and min-max over rounds.
"""

from __future__ import annotations

import gc
import statistics
import time
import typing as t
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    """One comparison: per-call times in nanoseconds and their ratio."""

    name: str
    subject_ns: float
    baseline_ns: float
    ratio: float
    ratio_min: float
    ratio_max: float
    target: float | None

    def line(self) -> str:
        """A one-line report."""
        verdict = ""
        if self.target is not None:
            met = "met" if self.ratio <= self.target else "NOT met"
            verdict = f"  (target ≤ {self.target:.2f}: {met})"
        return (
            f"{self.name:<58} {self.subject_ns:10.0f} ns vs {self.baseline_ns:10.0f} ns"
            f"   ratio {self.ratio:5.3f} [{self.ratio_min:.3f}-{self.ratio_max:.3f}]{verdict}"
        )


def _batch(
    func: t.Callable[[], object], number: int, clock: t.Callable[[], int] = time.perf_counter_ns
) -> float:
    start = clock()
    for _ in range(number):
        func()
    return (clock() - start) / number


def calibrate(func: t.Callable[[], object], seconds: float = 0.02) -> int:
    """How many calls of ``func`` take about ``seconds``."""
    number = 1
    while True:
        elapsed = _batch(func, number) * number / 1e9
        if elapsed >= seconds or number >= 1 << 22:
            return number
        number *= 2


def compare(
    name: str,
    subject: t.Callable[[], object],
    baseline: t.Callable[[], object],
    *,
    rounds: int = 25,
    target: float | None = None,
    quiet: bool = False,
    clock: t.Callable[[], int] = time.perf_counter_ns,
) -> Result:
    """Time ``subject`` against ``baseline`` interleaved; print and return the ratio.

    ``clock`` reads nanoseconds: wall time by default; ``time.process_time_ns``
    counts the CPU time of every thread of the process instead, which other
    processes on the machine do not inflate.
    """
    number = max(calibrate(subject), calibrate(baseline))
    for func in (subject, baseline):  # warm up
        _batch(func, number)
    ratios, subjects, baselines = [], [], []
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for index in range(rounds):
            if index % 2:
                b = _batch(baseline, number, clock)
                s = _batch(subject, number, clock)
            else:
                s = _batch(subject, number, clock)
                b = _batch(baseline, number, clock)
            subjects.append(s)
            baselines.append(b)
            ratios.append(s / b)
    finally:
        if gc_was_enabled:
            gc.enable()
    result = Result(
        name,
        statistics.median(subjects),
        statistics.median(baselines),
        statistics.median(ratios),
        min(ratios),
        max(ratios),
        target,
    )
    if not quiet:
        print(result.line(), flush=True)
    return result


def measure_once(func: t.Callable[[], object], repeat: int = 5) -> float:
    """Best wall time of ``func`` in seconds over ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best
