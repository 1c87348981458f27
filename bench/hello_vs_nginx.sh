#!/usr/bin/env bash
# The HTTP engine's floor against nginx's: a hello-world answer from each,
# same wrk load, same box. nginx (Debian's nginx-light) runs one worker per
# core returning a 2-byte body; wno-host answers GET /livez, which its event
# loops serve without a thread hop or any plugin. What separates the two is
# the engine: accept, parse, keep-alive, write. One JSON line per server.
#   bench/hello_vs_nginx.sh [build dir]   (default: build)
#   WRK_DURATION=10s WRK_THREADS=2 WRK_CONNECTIONS=64
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
DURATION=${WRK_DURATION:-10s}
THREADS=${WRK_THREADS:-2}
CONNECTIONS=${WRK_CONNECTIONS:-64}
command -v nginx >/dev/null || { echo "nginx is not installed (apt-get install nginx-light)" >&2; exit 2; }
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_for() { for _ in $(seq 1 100); do curl -fs "$1" >/dev/null 2>&1 && return; sleep 0.1; done; echo "$1 did not answer" >&2; exit 1; }

measure() {  # label url
  wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "$2" >/dev/null  # warm-up
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$2" | python3 -c '
import re, sys, json
text = sys.stdin.read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
def ms(label):
    m = re.search(r"\b" + label + r"\s+([\d.]+)(us|ms|s)\b", text)
    value, unit = float(m.group(1)), m.group(2)
    return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 3)
print(json.dumps({"bench": "hello", "server": sys.argv[1], "rps": round(rps), "p50_ms": ms("50%"), "p99_ms": ms("99%")}))
' "$1"
}

nginx_port=$(free_port)
mkdir -p "$work/nginx"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx;
  proxy_temp_path $work/nginx;
  fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx;
  scgi_temp_path $work/nginx;
  server {
    listen 127.0.0.1:$nginx_port;
    location / { default_type text/plain; return 200 "ok"; }
  }
}
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
pids+=($!)
wait_for "http://127.0.0.1:$nginx_port/"
measure nginx "http://127.0.0.1:$nginx_port/"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

host_port=$(free_port)
(cd "$work" && exec "$OLDPWD/$BUILD/bin/wno-host" --config "$OLDPWD/config/default.json" --set /http/port="$host_port" \
  --set /http/access_log=false --set /log/level='"warn"' > "$work/host.log" 2>&1) &
pids+=($!)
wait_for "http://127.0.0.1:$host_port/livez"
measure wno-host "http://127.0.0.1:$host_port/livez"
