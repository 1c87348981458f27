#!/usr/bin/env python3
"""Enqueue N no-op jobs through POST /api/v1/jobs/bulk; prints enqueue/s as JSON.

The ENQUEUE_CMD client for ../shared/peer-bench/jobs-compare.sh (same arguments
and output as its enqueue.js, which POSTs one job a request):

    ENQUEUE_CMD="python3 bench/jobs_bulk_enqueue.py" ../shared/peer-bench/jobs-compare.sh build 3
    python3 bench/jobs_bulk_enqueue.py <base-url> [N=20000] [CONNS=32]

BATCH (env, default 5000, graphile add_jobs' batch in the peer run) jobs go in
one request; at most CONNS requests are in flight, one keep-alive connection
each. Every answer is checked: a job counts only if its item says 201.
"""
import http.client
import json
import os
import sys
import threading
import time
from urllib.parse import urlparse


def main():
    base = urlparse(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    conns = int(sys.argv[3]) if len(sys.argv) > 3 else 32
    batch = int(os.environ.get("BATCH", "5000"))
    sizes = [min(batch, n - start) for start in range(0, n, batch)]
    bodies = {size: json.dumps([{"type": "noop", "data": {}}] * size).encode() for size in set(sizes)}
    lock = threading.Lock()
    state = {"next": 0, "created": 0, "failed": 0, "error": ""}

    def worker():
        conn = http.client.HTTPConnection(base.hostname, base.port or 80, timeout=120)
        while True:
            with lock:
                if state["next"] >= len(sizes):
                    break
                size = sizes[state["next"]]
                state["next"] += 1
            try:
                conn.request("POST", "/api/v1/jobs/bulk", body=bodies[size],
                             headers={"content-type": "application/json"})
                reply = conn.getresponse()
                text = reply.read()
                created = 0
                if reply.status == 200:
                    created = sum(1 for item in json.loads(text)["items"] if item["status"] == 201)
                with lock:
                    state["created"] += created
                    state["failed"] += size - created
                    if created != size and not state["error"]:
                        state["error"] = f"{reply.status} {text[:200]!r}"
            except Exception as e:  # counted, reported, and the connection reopened
                with lock:
                    state["failed"] += size
                    state["error"] = state["error"] or repr(e)
                conn.close()
                conn = http.client.HTTPConnection(base.hostname, base.port or 80, timeout=120)
        conn.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(max(1, min(conns, len(sizes))))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - t0
    out = {"jobs": n, "failed": state["failed"], "batch": batch, "enqueue_seconds": round(seconds, 3),
           "enqueue_per_s": round(state["created"] / seconds) if seconds > 0 else 0}
    if state["error"]:
        out["first_error"] = state["error"]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
