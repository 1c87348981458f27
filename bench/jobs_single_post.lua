-- Single-job enqueue throughput: one POST /api/v1/jobs per request, the path
-- group commit serves (issue 14's floor: 10,000 jobs/s on one host).
--   wrk -t2 -c32 -d10s --latency -s bench/jobs_single_post.lua http://127.0.0.1:8080/api/v1/jobs
-- against a host with a "noop" job type (../shared/peer-bench/host/jobs-overlay.json
-- with WNO_JOB_WORKERS=false measures the enqueue alone). wrk, not Node:
-- peer-bench's enqueue.js spends ~150 us of CPU per request and is the limit.
wrk.method = "POST"
wrk.body = '{"type":"noop","data":{}}'
wrk.headers["Content-Type"] = "application/json"
