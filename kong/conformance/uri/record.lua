-- Records what Kong's own kong/tools/uri.lua (normalize with merge_slashes,
-- as kong.request.get_path and the router use it: kong/pdk/request.lua
-- get_path, kong/router/utils.lua strip_uri_args; escape, as
-- kong/runloop/handler.lua applies it to var.upstream_uri) makes of each
-- hostile path in corpus.lua. Run by record.sh; the output is test data for
-- pkg/uri (TestKongURIVerdicts), which must agree byte for byte.
--
--   luajit record.lua <uri.lua source file> <kong version> < /dev/null > kong-<version>.json
--
-- uri.lua needs ngx.re.find and ngx.re.gsub with options "joi": they are
-- given here by PCRE2 (Debian's lua-rex-pcre2), "i" mapped to caseless, "j"
-- and "o" (JIT, compile once) changing nothing a match returns.
local rex = require "rex_pcre2"

local function flags(opts)
  local cf = 0
  if opts and opts:find("i", 1, true) then
    cf = rex.flags().CASELESS
  end
  return cf
end

ngx = {
  re = {
    find = function(s, pat, opts)
      local from, to = rex.find(s, pat, 1, flags(opts))
      return from, to
    end,
    gsub = function(s, pat, repl, opts)
      -- ngx.re.gsub hands the function a table: [0] the whole match, [n]
      -- the captures. rex hands it the captures; wrapping the pattern in a
      -- group makes the first one the whole match.
      local out, n = rex.gsub(s, "(" .. pat .. ")", function(whole, ...)
        local m = { [0] = whole, ... }
        return repl(m)
      end, nil, flags(opts))
      return out, n
    end,
  },
}

local src_file, version = arg[1], arg[2]
local uri = assert(loadfile(src_file))()
local corpus = dofile((arg[0]:match("(.*/)") or "./") .. "corpus.lua")

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

-- printable: the path for people reading the file, every byte outside
-- printable ASCII (and the backslash and quote) as the text \xHH (a JSON
-- "\\xHH"); "in" holds the bytes.
local function printable(s)
  return (s:gsub('["\\]', function(c) return string.format("\\\\x%02x", c:byte()) end)
           :gsub('[^%w%p ]', function(c) return string.format("\\\\x%02x", c:byte()) end))
end

io.write('{\n  "kong": "', version, '",\n  "source": "kong/tools/uri.lua normalize(path, true) and escape(normalize(path, true))",\n  "paths": [\n')
for i, p in ipairs(corpus) do
  local n = uri.normalize(p, true)
  local e = uri.escape(n)
  io.write('    {"path": "', printable(p), '", "in": "', hex(p), '", "normalize": "', hex(n), '", "escape": "', hex(e), '"}')
  io.write(i < #corpus and ",\n" or "\n")
end
io.write('  ]\n}\n')
