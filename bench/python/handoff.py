"""The contended-lock scenario for CPython: two threads take one threading.Lock in turn."""

import json
import sys
import threading
import time

MARKER = "@@bench-result "


def handoff(params):
    count = params["count"]
    lock = threading.Lock()
    counter = [0]
    go = threading.Event()

    def work():
        go.wait()
        for _ in range(count):
            with lock:
                counter[0] += 1

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    start = time.perf_counter_ns()
    go.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter_ns() - start
    if counter[0] != 2 * count:
        raise SystemExit(f"lost updates: {counter[0]} != {2 * count}")
    return {"ns": elapsed / (2 * count)}


def main():
    params = json.loads(sys.argv[3])
    print(MARKER + json.dumps({"values": handoff(params), "notes": {}}), flush=True)


if __name__ == "__main__":
    main()
