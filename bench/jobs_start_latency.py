#!/usr/bin/env python3
"""Enqueue-to-start latency of single jobs on an idle host.

    python3 bench/jobs_start_latency.py <base-url> [N=300] [GAP_MS=20]

POSTs N no-op jobs one at a time, GAP_MS apart (so each finds the host idle:
no batch in flight, nothing to linger behind), then reads every job back and
reports wait_ms (its run_at = created_at, stamped before the store write, to
the claim that started it) as p50/p99/max in ms. Times are the host's
millisecond clock, so a figure means "within that millisecond".
"""
import http.client
import json
import sys
import time
from urllib.parse import urlparse


def main():
    base = urlparse(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    gap = (int(sys.argv[3]) if len(sys.argv) > 3 else 20) / 1000.0
    conn = http.client.HTTPConnection(base.hostname, base.port or 80, timeout=30)
    ids = []
    for _ in range(n):
        conn.request("POST", "/api/v1/jobs", body=b'{"type":"noop","data":{}}',
                     headers={"content-type": "application/json"})
        reply = conn.getresponse()
        body = json.loads(reply.read())
        if reply.status != 201:
            sys.exit(f"enqueue failed: {reply.status} {body}")
        ids.append(body["id"])
        time.sleep(gap)
    waits = []
    deadline = time.monotonic() + 60
    for job_id in ids:
        while True:
            conn.request("GET", "/api/v1/jobs/" + job_id)
            job = json.loads(conn.getresponse().read())
            if job.get("wait_ms") is not None:
                waits.append(job["wait_ms"])
                break
            if time.monotonic() > deadline:
                sys.exit(f"job {job_id} never started: {job}")
            time.sleep(0.01)
    waits.sort()
    pick = lambda q: waits[min(len(waits) - 1, int(q * len(waits)))]
    print(json.dumps({"jobs": n, "gap_ms": gap * 1000, "wait_ms_p50": pick(0.5), "wait_ms_p99": pick(0.99),
                      "wait_ms_max": waits[-1]}))


if __name__ == "__main__":
    main()
