-- wrk script: each request takes the next line of $PATHS_FILE, "<path>" or "<path> <token>",
-- so a run spreads over many queries (and needs) instead of one cached answer.
local lines = {}
for l in io.lines(os.getenv("PATHS_FILE")) do
  if l ~= "" then table.insert(lines, l) end
end
local i = 0

function setup(thread)
  thread:set("offset", math.random(#lines))
end

function init(args)
  i = tonumber(offset) or 0
end

function request()
  i = i % #lines + 1
  local path, token = lines[i]:match("^(%S+)%s*(%S*)$")
  local headers = {}
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
  return wrk.format("GET", path, headers)
end
