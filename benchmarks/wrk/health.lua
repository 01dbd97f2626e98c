-- GET /health, reporting latency percentiles in the same format as recommend.lua.
-- usage: wrk -s health.lua http://127.0.0.1:8000/health
function done(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests":%d,"errors":%d,"non2xx":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status,
    latency:percentile(50), latency:percentile(99)))
end
