-- GET /api/v1/product/: the first page of 25, what a storefront opens with.
-- wrk args: none
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "stats.lua")

function request()
  return wrk.format("GET", "/api/v1/product/")
end
