-- write.lua - wrk script: POST /api/v1/customers, a JSON body with a distinct name per request.
-- usage: wrk ... -s bench/write.lua URL -- TOKEN RUN_ID [status]
-- The name is "压测客户 RUN-THREAD-COUNTER", unique across threads and runs, so every request
-- inserts a new row (one durable commit, grouped by kefu's writer thread).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local headers, run
local counter = 0

function init(args)
	run = args[2] or "0"
	if args[3] == "status" then
		enable_status_count()
	end
	headers = {
		["Authorization"] = "Bearer " .. args[1],
		["Content-Type"] = "application/json",
		["Accept"] = "application/json",
	}
end

function request()
	counter = counter + 1
	local body = string.format(
		'{"name":"压测客户 %s-%d-%d","contact":"王工","phone":"010-6%07d",'
			.. '"email":"bench%d.%d@example.com","address":"北京市朝阳区建国路%d号"}',
		run, tid or 0, counter, counter % 10000000, tid or 0, counter, counter % 1000)
	return wrk.format("POST", "/api/v1/customers", headers, body)
end
