#!/usr/bin/env python3
"""The course's prime-sum program in CPython, for comparison with multitask's.

Sums the primes below N serially, then with 4 and 10 threads (threading.Thread), then with
4 and 10 processes (multiprocessing.Process), each worker taking one equal slice of the
range, and prints the times and speedups. The slices, the trial division and the table are
those of src/examples/primes/ in multitask. Threads write their partial sums into a list;
processes, which share no memory, write theirs into a shared multiprocessing.Array.

    python3 bench/python/primes.py [--n N]
"""

import argparse
import multiprocessing
import os
import threading
import time

DEFAULT_N = 20_000_000


def is_prime(n):
    """Whether n is prime, by trial division with odd divisors up to its square root."""
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    d = 3
    while d * d <= n:
        if n % d == 0:
            return False
        d += 2
    return True


def sum_primes(lo, hi):
    """The sum of the primes p with lo <= p < hi."""
    total = 0
    for n in range(max(lo, 2), hi):
        if is_prime(n):
            total += n
    return total


def split_range(n, parts):
    """[0, n) as `parts` consecutive ranges of (nearly) equal length, as multitask splits it."""
    return [(n * i // parts, n * (i + 1) // parts) for i in range(parts)]


def _sum_into(lo, hi, results, slot):
    results[slot] = sum_primes(lo, hi)


def with_threads(n, count):
    results = [0] * count
    threads = [
        threading.Thread(target=_sum_into, args=(lo, hi, results, slot))
        for slot, (lo, hi) in enumerate(split_range(n, count))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(results)


def with_processes(n, count):
    # 'q': 64-bit signed; every partial sum below 2**63 for any N this program is run with.
    results = multiprocessing.Array("q", count, lock=False)
    processes = [
        multiprocessing.Process(target=_sum_into, args=(lo, hi, results, slot))
        for slot, (lo, hi) in enumerate(split_range(n, count))
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    failed = [p.name for p in processes if p.exitcode != 0]
    if failed:
        raise RuntimeError(f"processes failed: {', '.join(failed)}")
    return sum(results)


def run_primes(n, on_row=None):
    """Runs every variant; returns rows (label, workers, seconds, sum), serial first."""
    variants = [("serial", 1, lambda: sum_primes(0, n))]
    variants += [("threads", c, lambda c=c: with_threads(n, c)) for c in (4, 10)]
    variants += [("processes", c, lambda c=c: with_processes(n, c)) for c in (4, 10)]
    rows = []
    for label, workers, run in variants:
        start = time.perf_counter()
        total = run()
        row = (label, workers, time.perf_counter() - start, total)
        rows.append(row)
        if on_row is not None:
            on_row(row)
    if len({row[3] for row in rows}) != 1:
        raise RuntimeError("sums disagree: " + ", ".join(f"{r[0]}/{r[1]}={r[3]}" for r in rows))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=lambda text: int(text.replace("_", "")), default=DEFAULT_N)
    n = parser.parse_args().n
    print(f"Sum of the primes below {n:,}; os.cpu_count() = {os.cpu_count()}")
    print(f"{'run':<10}  {'workers':>7}  {'time (s)':>9}  {'speedup':>9}  {'sum':>20}")
    serial = []

    def on_row(row):
        label, workers, seconds, total = row
        if label == "serial":
            serial.append(seconds)
        speedup = f"{serial[0] / seconds:.2f}x"
        print(f"{label:<10}  {workers:>7}  {seconds:>9.2f}  {speedup:>9}  {total:>20,}")

    run_primes(n, on_row)


if __name__ == "__main__":
    main()
