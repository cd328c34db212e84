#!/usr/bin/env python3
"""Scenario 13's CPython row: multiprocessing.Manager().

    python3 bench/python/manager.py 13-manager cpython-manager <params as JSON>

The same work as the multitask row (bench/scenarios/13-manager.ts): one process makes
`d['k'] = i` then `d['k']` W times on a dict proxy (the cold rate), then N times in 5 batches
it times one by one, and reports the median batch; then ten processes each make M increments of `d['count']` under the manager's Lock, timed from the first start() to
the last join(). Prints the marker and {"values": {...}} as JSON, as scenarios.py does.
"""

import json
import multiprocessing
import os
import sys
import time

MARKER = "@@bench-result "


BATCHES = 5  # as bench/workers/manager-tasks.ts


def _pairs_per_second(d, start, stop):
    # d['k'] = i then d['k'] for i in [start, stop), each value checked; their rate.
    began = time.perf_counter()
    for i in range(start, stop):
        d["k"] = i
        if d["k"] != i:
            raise RuntimeError(f"d['k'] is not {i}")
    return (stop - start) / (time.perf_counter() - began)


def _round_trips(d, warm_up, n, out):
    # warm_up pairs timed as a whole (the cold rate, as the multitask row's), then BATCHES
    # batches, each timed on its own; the cold rate and the median batch's pairs per second.
    cold = _pairs_per_second(d, 0, warm_up)
    size = -(-n // BATCHES)
    rates = [_pairs_per_second(d, b * size, (b + 1) * size) for b in range(BATCHES)]
    out.put((cold, sorted(rates)[BATCHES // 2]))


def _locked_increments(d, lock, times):
    for _ in range(times):
        with lock:
            d["count"] += 1


def run(p):
    with multiprocessing.Manager() as manager:
        d = manager.dict()
        out = multiprocessing.Queue()
        client = multiprocessing.Process(
            target=_round_trips, args=(d, p["warmUp"], p["roundTrips"], out)
        )
        client.start()
        cold, pairs = out.get()
        client.join()

        counts = manager.dict(count=0)
        lock = manager.Lock()
        start = time.perf_counter()
        workers = [
            multiprocessing.Process(target=_locked_increments, args=(counts, lock, p["increments"]))
            for _ in range(p["workers"])
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        locked_ms = (time.perf_counter() - start) * 1000
        expected = p["workers"] * p["increments"]
        if counts["count"] != expected:
            raise RuntimeError(f"the count ended at {counts['count']}, not {expected}")
    return {"coldPairs": cold, "pairs": pairs, "lockedMs": locked_ms}


def main():
    scenario, contender, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    if (scenario, contender) != ("13-manager", "cpython-manager"):
        raise SystemExit(f"no CPython contender {contender!r} in scenario {scenario!r}")
    print(MARKER + json.dumps({"values": run(params), "notes": {}}), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
