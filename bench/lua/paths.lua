-- GET one of the paths listed in a file (one per line), drawn uniformly: for requests whose
-- URLs are computed beforehand, like cursors of the product feed at a given depth.
-- wrk args: file
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "stats.lua")

local paths = {}

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then
      table.insert(paths, line)
    end
  end
  seed_random()
end

function request()
  return wrk.format("GET", paths[math.random(1, #paths)])
end
