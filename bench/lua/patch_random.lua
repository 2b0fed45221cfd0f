-- PATCH /api/v1/product/{id}/ {"price": "..."} as the admin, ids uniform in [first, last].
-- wrk args: first last access_token
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "stats.lua")

local first, last, headers

function init(args)
  first, last = tonumber(args[1]), tonumber(args[2])
  headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. args[3],
  }
  seed_random()
end

function request()
  local price = string.format("%d.%02d", math.random(1, 999), math.random(0, 99))
  local body = '{"price": "' .. price .. '"}'
  return wrk.format("PATCH", "/api/v1/product/" .. math.random(first, last) .. "/", headers, body)
end
