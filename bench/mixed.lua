-- wrk script: the platform's mixed HTTP traffic, spread over one or more
-- hosts (thread i talks to host i mod N, as a round-robin load balancer
-- would place connections).
--   80 %  GET /api/v1/battles/{id}             ids 1..WNO_HOT_IDS (cached entity reads)
--   15 %  GET /api/v1/battles?creator_id=..    one of 100 list pages of 20 (sort=-created_at)
--    5 %  POST /api/v1/battles                 a new battle (invalidates battles:list on every host)
-- Environment: WNO_PORTS="p1,p2,..." (required), WNO_HOT_IDS (default 1000),
-- WNO_FIGURE (name printed in the JSON line).
-- done() prints one JSON line: requests/s, p50/p99 in ms, errors, non-2xx.

local ports = {}
for p in string.gmatch(os.getenv("WNO_PORTS") or "", "%d+") do ports[#ports + 1] = p end
local hot = tonumber(os.getenv("WNO_HOT_IDS") or "1000")
local figure = os.getenv("WNO_FIGURE") or "mixed"

local addrs = nil
local threads = 0

function setup(thread)
  if addrs == nil then
    addrs = {}
    for _, p in ipairs(ports) do
      for _, a in ipairs(wrk.lookup("127.0.0.1", p)) do addrs[#addrs + 1] = a end
    end
  end
  thread.addr = addrs[(threads % #addrs) + 1]
  threads = threads + 1
  thread:set("seed", threads)
end

local counter = 0
local headers = {["Content-Type"] = "application/json"}

function init(args)
  math.randomseed(tonumber(seed) * 7919 + os.time())
end

function request()
  counter = counter + 1
  local r = math.random(100)
  if r <= 80 then
    return wrk.format("GET", "/api/v1/battles/" .. math.random(hot))
  elseif r <= 95 then
    return wrk.format("GET", "/api/v1/battles?creator_id=" .. math.random(0, 99) .. "&sort=-created_at&limit=20")
  else
    local body = '{"title":"mixed ' .. counter .. '","creator_id":' .. math.random(0, 99) .. '}'
    return wrk.format("POST", "/api/v1/battles", headers, body)
  end
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    '{"figure":"%s","hosts":%d,"requests":%d,"requests_per_s":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,' ..
    '"max_ms":%.3f,"non_2xx":%d,"socket_errors":%d}\n',
    figure, #ports, summary.requests, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end
