-- GET /api/v1/product/?category=<id>: the first page of 25 of a category's whole subtree (the
-- API's default, include_descendants=true), the category drawn uniformly from those given.
-- wrk args: category ids (the top-level ones: a tenth of the catalog each)
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "stats.lua")

local ids = {}

function init(args)
  for _, id in ipairs(args) do
    table.insert(ids, tonumber(id))
  end
  seed_random()
end

function request()
  return wrk.format("GET", "/api/v1/product/?category=" .. ids[math.random(1, #ids)])
end
