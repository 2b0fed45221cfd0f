-- GET /api/v1/product/{id}/ of one product, every time.
-- wrk args: id
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "stats.lua")

local path

function init(args)
  path = "/api/v1/product/" .. tonumber(args[1]) .. "/"
end

function request()
  return wrk.format("GET", path)
end
