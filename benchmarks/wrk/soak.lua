-- POST /recommend for varied real employee ids with an API key, optionally paced.
-- usage: RECSVC_SOAK_KEY=... wrk -s soak.lua http://127.0.0.1:8000 -- ids.txt k [delay_ms]
-- (the key comes from the environment so that it never shows in a process list)
local ids = {}
local k = 10
local key = ""
local pause = 0
local counter = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then ids[#ids + 1] = line end
  end
  if #ids == 0 then error("no employee ids in " .. tostring(args[1])) end
  k = tonumber(args[2] or "10")
  key = os.getenv("RECSVC_SOAK_KEY") or ""
  pause = tonumber(args[3] or "0")
  counter = math.random(#ids)
end

function delay()
  return pause
end

function request()
  counter = counter + 1
  local id = ids[(counter % #ids) + 1]
  local body = '{"employee_id":"' .. id .. '","k":' .. k .. '}'
  return wrk.format(
    "POST", "/recommend", {["Content-Type"] = "application/json", ["X-API-Key"] = key}, body)
end

function done(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests":%d,"errors":%d,"non2xx":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end
