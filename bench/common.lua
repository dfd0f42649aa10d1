-- common.lua - shared by read.lua and write.lua (wrk 4.1 Lua scripts for bench/run.sh).
-- done() prints one machine-readable line that run.sh parses:
--   WRK_RESULT requests=N duration_us=N non2xx=N connect=N read=N write=N timeout=N
--              p50_us=N p90_us=N p99_us=N max_us=N [status=CODE:COUNT,...]
-- With BENCH_STATUS=1 (wrk argument "status") a response() hook also counts every status code
-- per thread; it costs the client some CPU, so it is off for the measured runs by default and
-- wrk's own count of responses >= 400 (summary.errors.status) is what is reported.

local threads = {}
local tid_next = 1

function setup(thread)
	thread:set("tid", tid_next)
	tid_next = tid_next + 1
	table.insert(threads, thread)
end

function enable_status_count()
	statuses = {}
	response = function(status)
		statuses[status] = (statuses[status] or 0) + 1
	end
end

function done(summary, latency, requests)
	local e = summary.errors
	local line = string.format(
		"WRK_RESULT requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d"
			.. " p50_us=%d p90_us=%d p99_us=%d max_us=%d",
		summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
		latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max)
	local total = {}
	for _, t in ipairs(threads) do
		local s = t:get("statuses")
		if s then
			for code, n in pairs(s) do
				total[code] = (total[code] or 0) + n
			end
		end
	end
	local parts = {}
	for code, n in pairs(total) do
		table.insert(parts, code .. ":" .. n)
	end
	if #parts > 0 then
		table.sort(parts)
		line = line .. " status=" .. table.concat(parts, ",")
	end
	io.write(line .. "\n")
end
