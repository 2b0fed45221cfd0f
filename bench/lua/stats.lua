-- Shared by every workload script: counts the responses of each wrk thread by status class and
-- prints one machine-readable line when the run ends (bench/run.py reads it).
local threads = {}

s2xx, s3xx, s4xx, s5xx, sother = 0, 0, 0, 0, 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    s2xx = s2xx + 1
  elseif status < 400 and status >= 300 then
    s3xx = s3xx + 1
  elseif status < 500 and status >= 400 then
    s4xx = s4xx + 1
  elseif status < 600 and status >= 500 then
    s5xx = s5xx + 1
  else
    sother = sother + 1
  end
end

-- Each thread gets its own random sequence.
function seed_random()
  math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919)
end

function done(summary, latency, requests)
  local totals = { s2xx = 0, s3xx = 0, s4xx = 0, s5xx = 0, sother = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
  end
  local errors = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d "
      .. "s2xx=%d s3xx=%d s4xx=%d s5xx=%d sother=%d "
      .. "err_connect=%d err_read=%d err_write=%d err_timeout=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    totals.s2xx, totals.s3xx, totals.s4xx, totals.s5xx, totals.sother,
    errors.connect, errors.read, errors.write, errors.timeout
  ))
end
