#!/usr/bin/env python3
"""The CPython rows of multitask's benchmark suite.

    python3 bench/python/scenarios.py <scenario id> <contender id> <params as JSON>

Runs one contender of one scenario once, with the same work and the same parameters as the
Node contenders (see bench/scenarios/), and prints one line: the marker below followed by
{"values": {...}, "notes": {...}} as JSON. The runner starts a fresh python3 per round.
Pools use the default start method (fork on Linux) unless a row says otherwise.
"""

import concurrent.futures
import json
import multiprocessing
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from primes import run_primes, split_range, sum_primes

MARKER = "@@bench-result "

# Known sums, to check the answer (as scenario 3 does in Node).
EXPECTED_PRIME_SUMS = {600_000: 14_071_826_345, 2_000_000: 142_913_828_922}


# --- tasks (top level, so that pool workers and spawned processes can find them) ---


def inc(x):
    return x + 1


def sum_primes_range(bounds):
    lo, hi = bounds
    return sum_primes(lo, hi)


def die(path):
    """Notes the monotonic clock (ns, machine-wide) in `path`, then ends this process."""
    with open(path, "w") as f:
        f.write(str(time.monotonic_ns()))
    os._exit(1)


def quantile(values, q):
    """Linear interpolation between the nearest ranks, as bench/lib/stats.ts computes it."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    lower, upper = int(position // 1), -int(-position // 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


# --- 1. tiny-task throughput ---


def tiny_tasks_through(executor, p):
    """Times `p["tasks"]` tasks of `inc` submitted at once to `executor` (after a warm-up)."""
    n = p["tasks"]
    with executor:
        for future in [executor.submit(inc, i) for i in range(p["warmup"])]:
            future.result()
        start = time.perf_counter()
        futures = [executor.submit(inc, i) for i in range(n)]
        total = sum(future.result() for future in futures)
        seconds = time.perf_counter() - start
    check(total == n * (n + 1) // 2, f"wrong total {total}")
    return {"throughput": n / seconds}


def tiny_tasks_executor(p):
    return tiny_tasks_through(concurrent.futures.ThreadPoolExecutor(p["workers"]), p)


def tiny_tasks_process_executor(p):
    return tiny_tasks_through(concurrent.futures.ProcessPoolExecutor(p["workers"]), p)


def tiny_tasks_pool(p):
    n = p["tasks"]
    with multiprocessing.Pool(p["workers"]) as pool:
        for result in [pool.apply_async(inc, (i,)) for i in range(p["warmup"])]:
            result.get()
        start = time.perf_counter()
        results = [pool.apply_async(inc, (i,)) for i in range(n)]
        total = sum(result.get() for result in results)
        seconds = time.perf_counter() - start
    check(total == n * (n + 1) // 2, f"wrong total {total}")
    return {"throughput": n / seconds}


# --- 2. sequential round trip ---


def round_trips(p, call):
    for i in range(p["warmup"]):
        call(i)
    samples = []
    for i in range(p["calls"]):
        start = time.perf_counter_ns()
        value = call(i)
        samples.append((time.perf_counter_ns() - start) / 1000)
        check(value == i + 1, f"wrong result {value}")
    return {"median": quantile(samples, 0.5), "p99": quantile(samples, 0.99)}


def round_trip_executor(p):
    with concurrent.futures.ThreadPoolExecutor(p["workers"]) as executor:
        return round_trips(p, lambda i: executor.submit(inc, i).result())


def round_trip_pool(p):
    with multiprocessing.Pool(p["workers"]) as pool:
        return round_trips(p, lambda i: pool.apply(inc, (i,)))


# --- 3. CPU-bound speedup ---


def cpu_pool(p):
    n, chunks = p["n"], split_range(p["n"], p["chunks"])
    times = {}
    for workers, key in ((1, "one"), (2, "two")):
        with multiprocessing.Pool(workers) as pool:
            pool.map(inc, range(workers * 4))
            start = time.perf_counter()
            total = sum(pool.map(sum_primes_range, chunks, chunksize=1))
            times[key] = time.perf_counter() - start
        expected = EXPECTED_PRIME_SUMS.get(n)
        check(expected is None or total == expected, f"wrong sum {total}")
    return {**times, "speedup": times["one"] / times["two"]}


# --- 4. the course's program ---


def course(p):
    values = {}
    for label, workers, seconds, _ in run_primes(p["n"]):
        values["serial" if label == "serial" else f"{label}{workers}"] = seconds
    return values


# --- 5. queues ---


def queue_threads(p):
    n = p["pythonThreadItems"]
    items = queue.Queue()
    done = {}

    def produce():
        done["start"] = time.perf_counter()
        for i in range(n):
            items.put({"i": i})

    def consume():
        total = 0
        for _ in range(n):
            total += items.get()["i"]
        done["end"] = time.perf_counter()
        done["total"] = total

    consumer = threading.Thread(target=consume)
    producer = threading.Thread(target=produce)
    consumer.start()
    producer.start()
    producer.join()
    consumer.join()
    check(done["total"] == n * (n - 1) // 2, "lost items")
    return {"rate": n / (done["end"] - done["start"])}


def _produce_to(items, go, n):
    go.wait()
    for i in range(n):
        items.put({"i": i})


def queue_process(p):
    n = p["pythonProcessItems"]
    items, go = multiprocessing.Queue(), multiprocessing.Event()
    producer = multiprocessing.Process(target=_produce_to, args=(items, go, n))
    producer.start()
    time.sleep(0.2)  # let the producer reach go.wait()
    start = time.perf_counter()
    go.set()
    total = sum(items.get()["i"] for _ in range(n))
    seconds = time.perf_counter() - start
    producer.join()
    check(total == n * (n - 1) // 2, "lost items")
    return {"rate": n / seconds}


# --- 6. uncontended lock ---


def lock_pairs(p, lock):
    """As bench/lib/pairs.ts: calibrate a batch of about batchMs, then the median batch."""
    acquire, release = lock.acquire, lock.release

    def loop(count):
        start = time.perf_counter_ns()
        for _ in range(count):
            acquire()
            release()
        return (time.perf_counter_ns() - start) / 1e6

    size, elapsed = 1, 0.0
    while elapsed < 20:
        size *= 2
        elapsed = loop(size)
    size = max(1, round(size * p["batchMs"] / elapsed))
    per_pair = [loop(size) * 1e6 / size for _ in range(p["batches"])]
    return {"ns": statistics.median(per_pair)}


# --- 7. start-up ---


def monotonic_ms():
    """Milliseconds on CLOCK_MONOTONIC, the clock that Node's process.hrtime reads too."""
    return time.clock_gettime(time.CLOCK_MONOTONIC) * 1000


def stamp_reached(path):
    reached = monotonic_ms()
    with open(path, "w") as f:
        f.write(repr(reached))


def median_start_ms(p, factory):
    """Medians of start -> join and of start -> target reached, as the Node rows measure."""
    joins, reaches = [], []
    with tempfile.TemporaryDirectory() as directory:
        for i in range(p["warmup"] + p["starts"]):
            path = os.path.join(directory, f"reached-{i}")
            start = monotonic_ms()
            worker = factory(target=stamp_reached, args=(path,))
            worker.start()
            worker.join()
            joined = monotonic_ms()
            check(getattr(worker, "exitcode", 0) == 0, "the worker failed")
            if i < p["warmup"]:
                continue
            joins.append(joined - start)
            with open(path) as f:
                reaches.append(float(f.read()) - start)
    return {"ms": statistics.median(joins), "reach": statistics.median(reaches)}


# --- 8. recovery ---


def recovery(p, make_pool, submit):
    limit = p["limitMs"] / 1000
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "death")
        pool = make_pool(p["workers"])
        try:
            for pending in [submit(pool, inc, i) for i in range(p["workers"] * 2)]:
                pending(limit)
            pending = submit(pool, die, path)
            settled, outcome = True, "resolved (!)"
            try:
                pending(limit)
            except (TimeoutError, multiprocessing.TimeoutError):
                settled, outcome = False, f"never settled (limit {limit:g} s)"
            except Exception as error:  # the point: whatever the pool raises
                outcome = f"rejected: {type(error).__name__}: {first_line(error)}"
            settled_at = time.monotonic_ns()
            settle_ms = None
            if settled:
                with open(path) as f:
                    settle_ms = (settled_at - int(f.read())) / 1e6
            try:
                works = 1 if submit(pool, inc, 41)(limit) == 42 else 0
            except Exception:  # a broken pool refuses, or the task never settles
                works = 0
            return {"settle": settle_ms, "works": works}, {"outcome": outcome}
        finally:
            shutdown = getattr(pool, "terminate", None)
            if shutdown is not None:
                shutdown()
            else:
                pool.shutdown(wait=False, cancel_futures=True)


def executor_submit(executor, fn, arg):
    future = executor.submit(fn, arg)
    return lambda timeout: future.result(timeout)


def pool_submit(pool, fn, arg):
    result = pool.apply_async(fn, (arg,))
    return lambda timeout: result.get(timeout)


def recovery_executor(p):
    return recovery(p, concurrent.futures.ProcessPoolExecutor, executor_submit)


def recovery_pool(p):
    return recovery(p, multiprocessing.Pool, pool_submit)


# --- 9. subprocess ---


def subprocess_run(p):
    import subprocess

    def run_true():
        done = subprocess.run(["true"])
        check(done.returncode == 0, f"true exited with {done.returncode}")

    for _ in range(p["warmup"]):
        run_true()
    run_times = []
    for _ in range(p["runs"]):
        start = time.perf_counter()
        run_true()
        run_times.append((time.perf_counter() - start) * 1000)
    data = os.urandom(p["megabytes"] * 1_000_000)
    cat_times = []
    for _ in range(p["transfers"]):
        start = time.perf_counter()
        done = subprocess.run(["cat"], input=data, stdout=subprocess.PIPE)
        cat_times.append((time.perf_counter() - start) * 1000)
        check(done.stdout == data, f"cat gave back {len(done.stdout)} bytes, not {len(data)}")
    return {"runMs": statistics.median(run_times), "catMs": statistics.median(cat_times)}


# --- 10. greenlets ---

NOT_INSTALLED = (
    "not importable by python3 nor /usr/bin/python3 (PyPI is unreachable here; "
    "Debian's python3-greenlet and python3-gevent give /usr/bin/python3 both)"
)
SYSTEM_PYTHON = "/usr/bin/python3"


def elsewhere(module):
    """
    Runs this same contender under the system's python3 when it, and not the bench's
    python3, can import `module` (Debian packages greenlet and gevent for its own
    interpreter): returns its result with a note saying so, or None.
    """
    if os.path.realpath(sys.executable) == os.path.realpath(SYSTEM_PYTHON):
        return None
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", f"import {module}; print({module}.__version__)"],
        capture_output=True,
        text=True,
    ) if os.path.exists(SYSTEM_PYTHON) else None
    if probe is None or probe.returncode != 0:
        return None
    out = subprocess.run(
        [SYSTEM_PYTHON, *sys.argv], capture_output=True, text=True, check=True
    ).stdout
    line = next(l for l in out.splitlines() if l.startswith(MARKER))
    result = json.loads(line[len(MARKER):])
    version = sys.version.split()[0]
    system = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import sys; print(sys.version.split()[0])"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    note = (
        f"{module} {probe.stdout.strip()} under {SYSTEM_PYTHON} (CPython {system}; "
        f"the bench's python3 {version} has no {module})"
    )
    return result["values"], {**result["notes"], "note": note}


def greenlet_switch(p):
    """µs per switch round trip between the main greenlet and an echo greenlet."""
    try:
        import greenlet
    except ImportError:
        return elsewhere("greenlet") or ({"us": None}, {"note": "greenlet " + NOT_INSTALLED})
    main = greenlet.getcurrent()

    def echo(value):
        while True:
            value = main.switch(value)

    g = greenlet.greenlet(echo)
    g.switch(0)
    per_trip = []
    for _ in range(p["batches"]):
        start = time.perf_counter()
        for i in range(p["switches"]):
            check(g.switch(i) == i, "the echo greenlet answered wrong")
        per_trip.append((time.perf_counter() - start) * 1e6 / p["switches"])
    return {"us": statistics.median(per_trip)}


def gevent_spawn(p):
    """µs per greenlet: spawn greenlets that sleep(0) once, then joinall."""
    try:
        import gevent
    except ImportError:
        return elsewhere("gevent") or ({"us": None}, {"note": "gevent " + NOT_INSTALLED})
    per_greenlet = []
    for _ in range(p["batches"]):
        start = time.perf_counter()
        done = gevent.joinall([gevent.spawn(gevent.sleep, 0) for _ in range(p["spawns"])])
        check(len(done) == p["spawns"], "not every greenlet joined")
        per_greenlet.append((time.perf_counter() - start) * 1e6 / p["spawns"])
    return {"us": statistics.median(per_greenlet)}


# --- 11. two workers, one locked Value ---


def _increment(value, times):
    for _ in range(times):
        with value.get_lock():
            value.value += 1


def shared_counter(p):
    """ns per increment: two processes, `increments` locked increments each, start to join."""
    times = p["increments"]
    value = multiprocessing.Value("i", 0)
    start = time.perf_counter_ns()
    workers = [multiprocessing.Process(target=_increment, args=(value, times)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter_ns() - start
    check(value.value == 2 * times, f"the counter ended at {value.value}, not {2 * times}")
    return {"ns": elapsed / (2 * times)}


def check(condition, message):
    if not condition:
        raise RuntimeError(message)


def first_line(error):
    return (str(error).splitlines() or [""])[0]


# --- dispatch ---

CONTENDERS = {
    ("01-tiny-tasks", "cpython-threadpoolexecutor"): tiny_tasks_executor,
    ("01-tiny-tasks", "cpython-pool"): tiny_tasks_pool,
    ("01-tiny-tasks", "cpython-processpoolexecutor"): tiny_tasks_process_executor,
    ("02-round-trip", "cpython-threadpoolexecutor"): round_trip_executor,
    ("02-round-trip", "cpython-pool"): round_trip_pool,
    ("03-cpu-speedup", "cpython-pool"): cpu_pool,
    ("04-course-primes", "cpython"): course,
    ("05-queue", "cpython-queue-threads"): queue_threads,
    ("05-queue", "cpython-mp-queue"): queue_process,
    ("06-lock", "cpython-threading-lock"): lambda p: lock_pairs(p, threading.Lock()),
    ("06-lock", "cpython-mp-lock"): lambda p: lock_pairs(p, multiprocessing.Lock()),
    ("07-startup", "cpython-thread"): lambda p: median_start_ms(p, threading.Thread),
    ("07-startup", "cpython-process-fork"): lambda p: median_start_ms(
        p, multiprocessing.get_context("fork").Process
    ),
    ("07-startup", "cpython-process-forkserver"): lambda p: median_start_ms(
        p, multiprocessing.get_context("forkserver").Process
    ),
    ("07-startup", "cpython-process-spawn"): lambda p: median_start_ms(
        p, multiprocessing.get_context("spawn").Process
    ),
    ("08-recovery", "cpython-processpoolexecutor"): recovery_executor,
    ("08-recovery", "cpython-pool"): recovery_pool,
    ("09-subprocess", "cpython-subprocess"): subprocess_run,
    ("10-greenlet", "cpython-greenlet-switch"): greenlet_switch,
    ("10-greenlet", "cpython-gevent-spawn"): gevent_spawn,
    ("11-shared-counter", "cpython-mp-value"): shared_counter,
}


def main():
    scenario, contender, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    run = CONTENDERS.get((scenario, contender))
    if run is None:
        raise SystemExit(f"no CPython contender {contender!r} in scenario {scenario!r}")
    result = run(params)
    values, notes = result if isinstance(result, tuple) else (result, {})
    print(MARKER + json.dumps({"values": values, "notes": notes}), flush=True)
    # Exit at once, as the Node children do: a pool left broken must not hold the process.
    os._exit(0)


if __name__ == "__main__":
    main()
