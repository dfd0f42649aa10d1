-- tickets.lua - wrk script for bench/tickets.sh: GET one API path with a Bearer token.
-- usage: wrk ... -s bench/tickets.lua URL -- TOKEN PATH [IDS] [status]
-- PATH is sent as given (percent-encoded already), e.g. /api/v1/tickets?status=in_progress.
-- If it holds "{id}", every request puts in an id picked at random from IDS: a file with one id
-- a line (the tickets the caller may see), or a range "LO-HI".
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local fixed, path, headers
local ids, lo, hi

function init(args)
	local token
	token, path = args[1], args[2]
	local spec = args[3]
	if args[4] == "status" then
		enable_status_count()
	end
	headers = { ["Authorization"] = "Bearer " .. token, ["Accept"] = "application/json" }
	if not path:find("{id}", 1, true) then
		fixed = wrk.format("GET", path, headers)
		return
	end
	assert(spec and spec ~= "", "tickets.lua: PATH has {id} but no IDS given")
	local a, b = spec:match("^(%d+)-(%d+)$")
	if a then
		lo, hi = tonumber(a), tonumber(b)
	else
		ids = {}
		for id in io.lines(spec) do
			ids[#ids + 1] = id
		end
		assert(#ids > 0, "tickets.lua: no ids in " .. spec)
	end
	math.randomseed(os.time() + (tid or 0) * 7919)
end

function request()
	if fixed then
		return fixed
	end
	local id = ids and ids[math.random(#ids)] or tostring(math.random(lo, hi))
	local p = path:gsub("{id}", id)
	return wrk.format("GET", p, headers)
end
