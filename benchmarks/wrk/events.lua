-- POST /events batches of fresh events for real employee ids read from a file after `--`.
-- usage: wrk -s events.lua http://127.0.0.1:8000 -- ids.txt [batch] [run-prefix]
-- Every key is new (run prefix, request counter, position), so every event is stored.
local ids = {}
local batch = 100
local prefix = "run"
local counter = 0
local kinds = {"impression", "impression", "impression", "impression", "impression",
               "impression", "click", "click", "enrol", "complete", "dismiss", "progress"}

function init(args)
  local path = args[1]
  if args[2] then batch = tonumber(args[2]) end
  if args[3] then prefix = args[3] end
  for line in io.lines(path) do
    if #line > 0 then ids[#ids + 1] = line end
  end
  if #ids == 0 then error("no employee ids in " .. tostring(path)) end
  math.randomseed(os.time())
end

function request()
  counter = counter + 1
  local parts = {}
  for i = 1, batch do
    local kind = kinds[math.random(#kinds)]
    local extra = ""
    if kind == "progress" then extra = ',"progress":0.5' end
    if kind == "complete" then extra = ',"score":0.8' end
    parts[i] = string.format(
      '{"idempotency_key":"%s-%d-%d","kind":"%s","employee_id":"%s",' ..
      '"content_id":"C%05d","occurred_at":"2026-12-01T10:00:00Z"%s}',
      prefix, counter, i, kind, ids[math.random(#ids)], math.random(500), extra)
  end
  local body = '{"events":[' .. table.concat(parts, ",") .. ']}'
  return wrk.format("POST", "/events", {["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests":%d,"errors":%d,"non2xx":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status,
    latency:percentile(50), latency:percentile(99)))
end
