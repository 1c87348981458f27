#!/usr/bin/env python3
"""A real wno-host on the built-in default, run from an empty folder (no
checkout, no --config), as systemd would run it:

- readiness and the watchdog over a NOTIFY_SOCKET this test plays systemd
  for: READY=1 only once GET /readyz answers 200, WATCHDOG=1 pings while
  /livez answers, STOPPING=1 on SIGTERM, then exit 0;
- `promtool check metrics` accepts its /metrics (Debian's prometheus).

Usage: live_host_test.py <wno-host binary>
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.request

host_binary = os.path.abspath(sys.argv[1])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def receive(sock, wanted, budget_s):
    """Datagrams until one contains `wanted`; the messages seen."""
    seen = []
    sock.settimeout(budget_s)
    while True:
        try:
            message = sock.recv(4096).decode()
        except socket.timeout:
            sys.exit(f"no {wanted} from wno-host within {budget_s} s (got {seen})")
        seen.append(message)
        if wanted in message.split("\n"):
            return seen


work = tempfile.mkdtemp(prefix="wno-live-")
try:
    notify_path = os.path.join(work, "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    port = free_port()
    env = dict(os.environ, NOTIFY_SOCKET=notify_path, WATCHDOG_USEC="1000000")
    env.pop("WATCHDOG_PID", None)
    run_dir = os.path.join(work, "cwd")
    os.mkdir(run_dir)
    validate = subprocess.run([host_binary, "--validate-config"], cwd=run_dir, capture_output=True, text=True)
    if validate.returncode != 0:
        sys.exit(f"--validate-config with no arguments failed: {validate.stderr}")
    print(validate.stdout.strip())
    host = subprocess.Popen([host_binary, "--set", f"/http/port={port}", "--set", "/log/level=warn"],
                            cwd=run_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        seen = receive(notify, "READY=1", 60)
        status, body = get(port, "/readyz")
        if status != 200:
            sys.exit(f"READY=1 sent but /readyz answers {status}: {body}")
        print(f"READY=1 with /readyz 200 ({seen})")
        receive(notify, "WATCHDOG=1", 5)
        receive(notify, "WATCHDOG=1", 5)
        print("WATCHDOG=1 pings arrive")
        if not os.path.exists(os.path.join(run_dir, "data", "wno.db")):
            sys.exit("the built-in default did not create ./data/wno.db in the working folder")

        status, metrics = get(port, "/metrics")
        if status != 200:
            sys.exit(f"/metrics answered {status}")
        for name in ("wno_probe_required", "wno_probe_status", "wno_http_requests_total", "wno_load_factor"):
            if name not in metrics:
                sys.exit(f"/metrics lacks {name}")
        promtool = shutil.which("promtool")
        if not promtool:
            sys.exit("promtool not found (Debian package prometheus; scripts/install-deps.sh installs it)")
        check = subprocess.run([promtool, "check", "metrics"], input=metrics, capture_output=True, text=True)
        print(f"promtool check metrics: exit {check.returncode}, {len(metrics.splitlines())} lines checked")
        if check.returncode != 0 or check.stdout.strip() or check.stderr.strip():
            sys.exit(f"promtool check metrics found problems:\n{check.stdout}{check.stderr}")

        host.send_signal(signal.SIGTERM)
        receive(notify, "STOPPING=1", 30)
        code = host.wait(timeout=60)
        if code != 0:
            sys.exit(f"wno-host exited {code} after SIGTERM: {host.stderr.read()}")
        print("STOPPING=1, then exit 0")
    finally:
        if host.poll() is None:
            host.kill()
            host.wait()
finally:
    shutil.rmtree(work, ignore_errors=True)
