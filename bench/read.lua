-- read.lua - wrk script: GET /api/v1/projects/{id} with a Bearer token.
-- usage: wrk ... -s bench/read.lua URL -- TOKEN IDS_FILE [status]
-- The ids (one a line, the projects seeded by run.sh) are picked at random per request, so the
-- reads hit the whole table. The requests are formatted once in init(); request() only picks one.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local reqs = {}

function init(args)
	local token, ids_file = args[1], args[2]
	if args[3] == "status" then
		enable_status_count()
	end
	local headers = { ["Authorization"] = "Bearer " .. token, ["Accept"] = "application/json" }
	for id in io.lines(ids_file) do
		table.insert(reqs, wrk.format("GET", "/api/v1/projects/" .. id, headers))
	end
	assert(#reqs > 0, "read.lua: no project ids in " .. ids_file)
	math.randomseed(os.time() + (tid or 0) * 7919)
end

function request()
	return reqs[math.random(#reqs)]
end
