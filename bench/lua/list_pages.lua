-- GET /api/v1/product/?page=N for N drawn uniformly from [1, pages] (every page full: 25 rows).
-- wrk args: pages
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "stats.lua")

local pages

function init(args)
  pages = tonumber(args[1])
  seed_random()
end

function request()
  return wrk.format("GET", "/api/v1/product/?page=" .. math.random(1, pages))
end
