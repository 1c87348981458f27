#!/usr/bin/env bash
# deploy/prometheus with Debian's promtool: the rules parse (check rules),
# every alert has a unit test that fires it (and the tests pass), and every
# alert's runbook_url names a heading of docs/operations.md.
# Usage: prometheus_rules_test.sh <source dir>
set -euo pipefail
src=$1
rules=$src/deploy/prometheus/wno.rules.yml
tests=$src/deploy/prometheus/wno.rules.test.yml

promtool check rules "$rules"

python3 - "$rules" "$tests" "$src/docs/operations.md" "$src/deploy/grafana/wno-dashboard.json" <<'PY'
import json, re, sys
rules, tests, ops = (open(p).read() for p in sys.argv[1:4])
dashboard = json.load(open(sys.argv[4]))
alerts = re.findall(r"^\s*- alert: (\S+)", rules, re.M)
if not alerts:
    sys.exit("no alerts found in wno.rules.yml")
# GitHub-style anchors of every heading in operations.md.
anchors = {re.sub(r"[^a-z0-9 -]", "", h.strip().lower()).replace(" ", "-")
           for h in re.findall(r"^#+ (.+)$", ops, re.M)}
problems = []
for block in re.split(r"^\s*- alert: ", rules, flags=re.M)[1:]:
    name = block.split()[0]
    url = re.search(r'runbook_url: "([^"]+)"', block)
    if not url:
        problems.append(f"{name}: no runbook_url")
        continue
    path, _, anchor = url.group(1).partition("#")
    if path != "docs/operations.md" or anchor not in anchors:
        problems.append(f"{name}: runbook_url {url.group(1)} names no heading of docs/operations.md")
# A firing case: an alert_rule_test entry for the alert with exp_labels.
fired = set(re.findall(r"alertname: (\S+)\n\s+exp_alerts:\n\s+- exp_labels", tests))
quiet = set(re.findall(r"alertname: (\S+)\n\s+exp_alerts: \[\]", tests))
for name in alerts:
    if name not in fired:
        problems.append(f"{name}: no promtool test case in which it fires")
print(f"{len(alerts)} alerts; {len(fired)} with a firing test case, {len(quiet)} with a quiet one; "
      f"{sum(1 for _ in re.finditer(r'alertname:', tests))} alert test cases in all")
# The dashboard charts recording rules that exist.
recorded = set(re.findall(r"^\s*- record: (\S+)", rules, re.M))
for panel in dashboard["panels"]:
    for target in panel["targets"]:
        for name in re.findall(r"wno:[a-z0-9_:]+", target["expr"]):
            if name not in recorded:
                problems.append(f"dashboard panel {panel['title']!r}: {name} is not a recording rule")
if problems:
    sys.exit("\n".join(problems))
PY

cd "$(dirname "$tests")"
promtool test rules "$(basename "$tests")"
