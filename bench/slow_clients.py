#!/usr/bin/env python3
"""Opens many idle and trickling connections to a running host and measures
what they cost: /livez latency on a separate keep-alive connection while they
are open, and the host's resident memory before and with them.

  bench/slow_clients.py PORT HOST_PID [IDLE] [TRICKLING] [SECONDS]

Idle connections connect and send nothing; trickling ones send one header
byte every 2 s (each restarts nothing: the head deadline counts from the
first byte). Prints one JSON line per figure, as bench/run.sh expects.
"""
import json
import resource
import selectors
import socket
import sys
import time


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def livez_latencies(port, count):
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    request = b"GET /livez HTTP/1.1\r\nHost: bench\r\n\r\n"
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data or not data.endswith(b"}"):
            chunk = sock.recv(4096)
            if not chunk:
                raise RuntimeError("the host closed the probe connection")
            data += chunk
        samples.append((time.perf_counter() - started) * 1000.0)
        time.sleep(0.002)
    sock.close()
    samples.sort()
    return samples


def percentile(samples, p):
    return samples[min(len(samples) - 1, int(len(samples) * p / 100.0))]


def emit(name, value, unit):
    print(json.dumps({"bench": "slow_clients", "name": name, "value": round(value, 3), "unit": unit}), flush=True)


def main():
    port = int(sys.argv[1])
    pid = int(sys.argv[2])
    idle_count = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
    trickle_count = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 8.0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    baseline = livez_latencies(port, 300)
    rss_before = rss_kb(pid)
    emit("livez_p99_ms_alone", percentile(baseline, 99), "ms")
    emit("host_rss_mb_alone", rss_before / 1024.0, "MB")

    idle = []
    for _ in range(idle_count):
        s = socket.socket()
        s.setblocking(True)
        s.connect(("127.0.0.1", port))
        idle.append(s)
    trickling = []
    for _ in range(trickle_count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /livez HTTP/1.1\r\n")
        trickling.append(s)

    # Trickle a header byte per connection every 2 s while /livez is measured.
    deadline = time.time() + seconds
    next_trickle = time.time()
    samples = []
    while time.time() < deadline:
        if time.time() >= next_trickle:
            for s in trickling:
                try:
                    s.send(b"X")
                except OSError:
                    pass
            next_trickle = time.time() + 2.0
        samples += livez_latencies(port, 50)
    samples.sort()
    rss_with = rss_kb(pid)
    open_now = sum(1 for s in idle if s.fileno() >= 0)
    emit("connections_open", open_now + len(trickling), "count")
    emit("livez_p50_ms_under_slow_clients", percentile(samples, 50), "ms")
    emit("livez_p99_ms_under_slow_clients", percentile(samples, 99), "ms")
    emit("livez_max_ms_under_slow_clients", samples[-1], "ms")
    emit("host_rss_mb_with_slow_clients", rss_with / 1024.0, "MB")
    emit("host_rss_mb_per_1000_connections", (rss_with - rss_before) / 1024.0 / ((idle_count + trickle_count) / 1000.0), "MB")
    for s in idle + trickling:
        s.close()


if __name__ == "__main__":
    main()
