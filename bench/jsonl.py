#!/usr/bin/env python3
"""Turns one benchmark's output into bench/run.sh's format: one JSON object
per line and per figure, each with "capability", "source" and "figure".

  jsonl.py gbench CAPABILITY SOURCE FILE   Google Benchmark --benchmark_out JSON
  jsonl.py lines  CAPABILITY SOURCE        JSON lines on stdin (the wrk scripts, jobs_e2e_bench)

Google Benchmark runs become ns_per_op (wall), cpu_ns_per_op, iterations,
threads, the label and every counter (items_per_second, rows_per_s, ...).
Latencies that wrk prints as text ("812.00us", "1.21ms") become numbers in
milliseconds under the same name with "_ms" appended.
"""
import json
import re
import sys

UNIT_NS = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}
LATENCY_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}
GBENCH_FIXED = {
    "name", "run_name", "run_type", "repetitions", "repetition_index", "threads", "iterations", "real_time",
    "cpu_time", "time_unit", "family_index", "per_family_instance_index", "aggregate_name", "label",
    "error_occurred", "error_message",
}


def emit(obj):
    print(json.dumps(obj, separators=(",", ":")), flush=True)


def gbench(capability, source, path):
    with open(path) as f:
        doc = json.load(f)
    for b in doc.get("benchmarks", []):
        if b.get("run_type") == "aggregate":
            continue
        out = {"capability": capability, "source": source, "figure": b["name"]}
        if b.get("error_occurred"):
            out["error"] = b.get("error_message", "")
            emit(out)
            continue
        scale = UNIT_NS[b.get("time_unit", "ns")]
        out["ns_per_op"] = round(b["real_time"] * scale, 1)
        out["cpu_ns_per_op"] = round(b["cpu_time"] * scale, 1)
        out["iterations"] = b["iterations"]
        out["threads"] = b.get("threads", 1)
        if b.get("label"):
            out["label"] = b["label"]
        for key, value in b.items():
            if key not in GBENCH_FIXED and isinstance(value, (int, float)):
                out[key] = round(value, 3) if isinstance(value, float) else value
        emit(out)


def latency_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text)
    return round(float(m.group(1)) * LATENCY_MS[m.group(2)], 3) if m else None


def lines(capability, source):
    for line in sys.stdin:
        line = line.strip()
        if not line.startswith("{"):
            continue
        obj = json.loads(line)
        out = {"capability": capability, "source": source}
        if "figure" not in obj and obj.get("bench") == "jobs_e2e":
            obj["figure"] = f"jobs_e2e.{obj.get('store')}.{obj.get('hosts')}_host" + ("s" if obj.get("hosts") != 1 else "")
        for key, value in obj.items():
            ms = latency_ms(value) if isinstance(value, str) else None
            if ms is not None:
                out[key + "_ms"] = ms
            else:
                out[key] = value
        emit(out)


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "gbench" and len(sys.argv) == 5:
        gbench(*sys.argv[2:5])
    elif mode == "lines" and len(sys.argv) == 4:
        lines(*sys.argv[2:4])
    else:
        sys.exit(__doc__)
