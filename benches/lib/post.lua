-- wrk's POST loads; each wrk thread numbers itself (tid, from 0).
--   wrk -s benches/lib/post.lua URL -- validate PREFIX
--     POST /v1/validate: the thread replays its own file PREFIX.<tid> of unique signed
--     requests (one JSON body a line, from sign.py), in order.
--   wrk -s benches/lib/post.lua URL -- activate KEYS TAG OFFSET [STRIDE]
--     POST /api/activate of a fresh machine per request (hwid TAG-<tid>-<n>), over the
--     licenses of KEYS (one short key a line, all with unlimited seats) in turn: request n
--     takes key number (OFFSET + n * STRIDE + tid) mod #keys (STRIDE 7 unless given).
--     Different OFFSETs keep wrks loading at once off each other's license rows.
local counter = 0
function setup(thread)
    thread:set("tid", counter)
    counter = counter + 1
end

local function lines(path)
    local found = {}
    for line in io.lines(path) do
        found[#found + 1] = line
    end
    return found
end

function init(args)
    kind = args[1]
    n = 0
    wrk.method = "POST"
    if kind == "validate" then
        bodies = lines(args[2] .. "." .. tid)
        wrk.headers["Content-Type"] = "application/json"
    elseif kind == "activate" then
        keys = lines(args[2])
        tag, offset, stride = args[3], tonumber(args[4]), tonumber(args[5] or 7)
        wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
    else
        error("post.lua: validate or activate, not " .. tostring(kind))
    end
end

function request()
    n = n + 1
    if kind == "validate" then
        if n > #bodies then n = 1 end -- wrapped: replays, answered 409 and counted as failures
        return wrk.format(nil, "/v1/validate", nil, bodies[n])
    end
    local key = keys[(offset + n * stride + tid) % #keys + 1]
    local body = "token=" .. key .. "&machine=bench-box&user=bench&app_id=1&hwid=" .. tag .. "-" .. tid .. "-" .. n
    return wrk.format(nil, "/api/activate", nil, body)
end
