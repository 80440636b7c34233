-- wrk script for the benchmarks: JSON bodies from a file, optional pacing, a JSON summary.
--   wrk ... -s bench.lua URL -- method=POST bodies=/tmp/bodies.jsonl rate=250 "header=K: V"
--   wrk ... -s bench.lua URL -- paths=/tmp/paths.txt   (GET each path in turn)
-- Every %UUID% in a body becomes a new UUID per request, so each request files a new report.
-- rate is requests per second for each wrk thread (0 = as fast as the server answers).
-- Pacing gives every request a slot on a fixed schedule and delay() waits for it, so the
-- offered load stays near `rate` whatever the latency (like wrk2, but latency is still timed
-- from the actual send, so a stalled server's queueing shows only as lost throughput).
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}
local counter = 0

function setup(thread)
  thread:set("thread_id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local method, bodies, paths, interval, next_slot, position = "GET", {}, {}, 0, nil, 0
local headers, has_uuid = {}, {}

function init(args)
  for _, arg in ipairs(args) do
    local key, value = arg:match("^([%w_]+)=(.*)$")
    if key == "method" then
      method = value
    elseif key == "bodies" and value ~= "" then
      for line in io.lines(value) do
        bodies[#bodies + 1] = line
      end
    elseif key == "paths" and value ~= "" then
      for line in io.lines(value) do
        paths[#paths + 1] = line
      end
    elseif key == "rate" and tonumber(value) > 0 then
      interval = 1000 / tonumber(value)
    elseif key == "header" then
      local name, content = value:match("^([^:]+):%s*(.*)$")
      headers[name] = content
    end
  end
  if #bodies > 0 then
    headers["Content-Type"] = headers["Content-Type"] or "application/json"
  end
  for i, body in ipairs(bodies) do
    has_uuid[i] = body:find("%UUID%", 1, true) ~= nil
  end
  math.randomseed(thread_id * 1000003 + math.floor(now_ms()))
  -- Threads start at different places in the file.
  position = (thread_id * 7919) % math.max(#bodies, #paths, 1)
end

function delay()
  if interval == 0 then
    return 0
  end
  local now = now_ms()
  if next_slot == nil then
    next_slot = now
  end
  local wait = next_slot - now
  next_slot = next_slot + interval
  if wait > 0 then
    return wait
  end
  return 0
end

-- A version-7 UUID, as the grid workers' app makes them (app/gridapp/static/app.js): the time
-- first, so keys arrive in order at the service's unique index instead of on random leaves.
-- Lua's clock has seconds only: the request count within the second stands in for the
-- milliseconds. wrk's threads are separate Lua states, each seeded by its id and the clock.
local sent = 0
local function uuid()
  sent = sent + 1
  local r = math.random
  local ms = os.time() * 1000 + sent % 1000
  return string.format("%08x-%04x-7%03x-%04x-%04x%08x", math.floor(ms / 65536), ms % 65536,
    r(0, 0xfff), 0x8000 + r(0, 0x3fff), thread_id % 0x10000, (sent * 7919 + r(0, 0xffff)) % 0x100000000)
end

function request()
  local body, path = nil, nil
  if #bodies > 0 then
    position = position % #bodies + 1
    body = bodies[position]
    if has_uuid[position] then
      body = body:gsub("%%UUID%%", uuid())
    end
  elseif #paths > 0 then
    position = position % #paths + 1
    path = paths[position]
  end
  return wrk.format(method, path, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d}, "latency_us": {"p50": %.1f, "p90": %.1f, "p99": %.1f, ' ..
    '"p99.9": %.1f, "mean": %.1f, "max": %.1f}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.mean, latency.max))
end
