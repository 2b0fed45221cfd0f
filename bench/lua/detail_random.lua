-- GET /api/v1/product/{id}/ for ids drawn uniformly from [first, last].
-- wrk args: first last
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "stats.lua")

local first, last

function init(args)
  first, last = tonumber(args[1]), tonumber(args[2])
  seed_random()
end

function request()
  return wrk.format("GET", "/api/v1/product/" .. math.random(first, last) .. "/")
end
