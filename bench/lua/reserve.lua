-- POST /api/v1/reservation/ of 1 unit of a product in [first, last], as the admin, each with an
-- Idempotency-Key of its own (a thread's random prefix and a counter).
-- wrk args: first last access_token
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "stats.lua")

local first, last, token, prefix
local sent = 0

function init(args)
  first, last, token = tonumber(args[1]), tonumber(args[2]), args[3]
  seed_random()
  prefix = string.format("%08x%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
end

function request()
  sent = sent + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = prefix .. "-" .. first .. "-" .. last .. "-" .. sent,
  }
  local body = '{"lines": [{"product": ' .. math.random(first, last) .. ', "quantity": 1}], '
    .. '"ttl_seconds": 3600}'
  return wrk.format("POST", "/api/v1/reservation/", headers, body)
end
