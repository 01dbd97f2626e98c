-- POST /recommend for varied real employee ids, read from a file given after `--`.
-- usage: wrk -s recommend.lua http://127.0.0.1:8000 -- ids.txt [k] [explain: true|false]
local ids = {}
local k = 10
local extra = ""
local counter = 0

function init(args)
  local path = args[1]
  if args[2] then k = tonumber(args[2]) end
  if args[3] == "false" then extra = ',"explain":false' end
  for line in io.lines(path) do
    if #line > 0 then ids[#ids + 1] = line end
  end
  if #ids == 0 then error("no employee ids in " .. tostring(path)) end
  -- threads start at different offsets so they do not ask in lockstep
  counter = math.random(#ids)
end

function request()
  counter = counter + 1
  local id = ids[(counter % #ids) + 1]
  local body = '{"employee_id":"' .. id .. '","k":' .. k .. extra .. '}'
  return wrk.format("POST", "/recommend", {["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests":%d,"errors":%d,"non2xx":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status,
    latency:percentile(50), latency:percentile(99)))
end
