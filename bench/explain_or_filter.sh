#!/usr/bin/env bash
# The plans PostgreSQL chose for the host's own `or=` list statements over
# 1,000,000 battles (issue 18): the statement the postgres plugin really
# sends, with its bound parameters, explained by auto_explain as it runs.
#   bench/explain_or_filter.sh [BUILD]      (default: build)
# Prints each plan; exits non-zero when a plan reads the table sequentially.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
ROWS=${ROWS:-1000000}
CLUSTER_PG_OPTIONS="-c shared_preload_libraries=auto_explain"
source bench/cluster.sh

psql_do() { psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }

cluster_start_redis
cluster_start_postgres
cluster_start_host seed   # creates the tables and indexes of the example config
echo "seeding $ROWS battles ..."
psql_do -c "INSERT INTO battles (title, status, creator_id, opponent_id, created_at)
            SELECT 'battle ' || g, (ARRAY['pending','active','completed','cancelled'])[1 + g % 4],
                   g % 50000, (g::bigint * 7919) % 50000,
                   to_char(timestamp '2026-01-01' + g * interval '1 second', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')
            FROM generate_series(1, $ROWS) AS g" -c "ANALYZE battles"
# Sessions opened from now on explain every statement, with real row counts.
psql_do -c "ALTER DATABASE postgres SET auto_explain.log_min_duration = 0" \
        -c "ALTER DATABASE postgres SET auto_explain.log_analyze = on" \
        -c "ALTER DATABASE postgres SET auto_explain.log_buffers = on"
kill "${CLUSTER_HOST_PID[seed]}"; wait "${CLUSTER_HOST_PID[seed]}" 2>/dev/null || true
cluster_start_host explain --set /data/collections/battles/cache/lists=false
port=$PORT_explain
log_from=$(wc -l < "$CLUSTER_PG_DIR/log")

get() { curl -fsS "http://127.0.0.1:$port$1"; }
echo "--- the battles user 4242 is in, first page and the next (keyset)"
first=$(get "/api/v1/battles?or=(creator_id.eq.4242,opponent_id.eq.4242)&limit=5&fields=id,creator_id,opponent_id")
echo "$first" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["data"]), "rows, next cursor:", bool(d.get("next_cursor")))'
cursor=$(echo "$first" | python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.load(sys.stdin)["next_cursor"]))')
get "/api/v1/battles?or=(creator_id.eq.4242,opponent_id.eq.4242)&limit=5&fields=id,creator_id,opponent_id&cursor=$cursor" > /dev/null
echo "--- active battles not created by user 7, newest first"
get "/api/v1/battles?and=(status.eq.active,creator_id.not.eq.7)&sort=-created_at&limit=5&fields=id" > /dev/null

sleep 0.5
plans=$(tail -n +"$((log_from + 1))" "$CLUSTER_PG_DIR/log" | awk '
  /LOG:  duration: .* plan:/ { keep = 0 }
  /Query Text: .*FROM "?battles"?/ && /(OR| AND )/ { keep = 1 }
  keep')
echo "$plans"
if [[ -z "$plans" ]]; then echo "no plan of an or=/and= statement was logged" >&2; exit 1; fi
if echo "$plans" | grep -q "Seq Scan on battles"; then echo "a plan reads battles sequentially" >&2; exit 1; fi
