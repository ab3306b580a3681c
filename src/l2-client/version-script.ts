import { createHash } from 'node:crypto';
import { MAX_STORED_CHARS, MAX_TOKEN_CHARS } from './stored-form';
import { checkWrite, MAX_PENDING_MS, UNKNOWN_OWNER, type VersionWrite, type VersionWrites } from './version-writes';

/**
 * The rules of version-writes.ts (classify, then decide) as one Lua script, run per key:
 * Redis runs a script atomically, so nothing lands between its read and its write. One
 * key per call, so on a Redis Cluster each call goes to the node owning its key (no
 * CROSSSLOT). Time is the server's (TIME), so every instance judges deadlines by one
 * clock. Records carry no Keyv `expires`: Redis's PX is their expiry, and a reader whose
 * clock runs ahead never deletes a key (Keyv deletes records it thinks expired).
 *
 * KEYS[1] the version key; ARGV: kind, change ID, token, ms (pendingMs or ttlMs),
 * flag (`always` / `replaceJunk`), MAX_STORED_CHARS, MAX_TOKEN_CHARS, MAX_PENDING_MS.
 * Returns the token held afterwards, or nil.
 */
export const VERSION_SCRIPT = `
local key = KEYS[1]
local kind, id, token = ARGV[1], ARGV[2], ARGV[3]
local ms, flag = tonumber(ARGV[4]), ARGV[5] == '1'
local maxChars, maxToken, maxPending = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

-- A deadline these rules could have written (see MAX_PENDING_MS): whole, live, not too far out.
local function live(deadline)
  return type(deadline) == 'number' and deadline == math.floor(deadline) and deadline > now and deadline - now <= maxPending
end

local function classify()
  local t = redis.call('TYPE', key)['ok']
  if t == 'none' then return 'absent' end
  if t ~= 'string' or redis.call('STRLEN', key) > maxChars then return 'junk' end
  local ok, record = pcall(cjson.decode, redis.call('GET', key))
  if not ok or type(record) ~= 'table' then return 'junk' end
  local value = record['value']
  if value == '' then
    local owners, n = {}, 0
    local pending = record['pending']
    if pending == nil then
      local left = redis.call('PTTL', key)
      if live(now + left) then owners['${UNKNOWN_OWNER}'] = now + left; n = 1 end
    elseif type(pending) == 'table' then
      for owner, deadline in pairs(pending) do
        if type(owner) == 'string' and live(deadline) then owners[owner] = deadline; n = n + 1 end
      end
    end
    if n == 0 then return 'absent' end
    return 'pending', owners
  end
  if type(value) == 'string' and #value > 0 and #value <= maxToken and string.find(value, '^[%w_%-]+$') then return 'token', value end
  return 'junk'
end

local function write_token()
  redis.call('SET', key, cjson.encode({ value = token }), 'PX', ms)
  return token
end

local function write_pending(owners)
  local latest = 0
  for _, deadline in pairs(owners) do if deadline > latest then latest = deadline end end
  redis.call('SET', key, cjson.encode({ value = '', pending = owners }), 'PX', latest - now)
  return false
end

local state, held = classify()
if kind == 'fence' then
  local owners = {}
  if state == 'pending' then owners = held end
  local deadline = now + ms
  if owners[id] == nil or owners[id] < deadline then owners[id] = deadline end
  return write_pending(owners)
elseif kind == 'settle' then
  if state == 'pending' then
    if held[id] == nil then return false end
    held[id] = nil
    if next(held) ~= nil then return write_pending(held) end
    return write_token()
  end
  if flag then return write_token() end
  if state == 'token' then return held end
  return false
elseif kind == 'refresh' then
  if state == 'pending' then return false end
  return write_token()
elseif kind == 'create' then
  if state == 'absent' or (state == 'junk' and flag) then return write_token() end
  if state == 'token' then return held end
  return false
end
return redis.error_reply('unknown version write ' .. tostring(kind))
`;

const SHA = createHash('sha1').update(VERSION_SCRIPT).digest('hex');

/** What the script needs of a node-redis client or cluster (both route by the first key). */
export interface ScriptClient {
  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/**
 * The rules on Redis: one script call per write (node-redis pipelines the calls of one
 * tick). The first call sends the script itself (EVAL, which also caches it on the
 * server), later ones its digest (EVALSHA), falling back to EVAL where the server does
 * not know it (a restart, a failover, SCRIPT FLUSH, a cluster node not called yet): a
 * fresh server costs no extra round trip on the first write.
 */
export function redisVersionWrites(client: ScriptClient): VersionWrites {
  let cached = false;
  return async (writes) => {
    writes.forEach(checkWrite);
    return Promise.all(
      writes.map(async (write) => {
        const options = { keys: [write.key], arguments: scriptArguments(write) };
        let reply: unknown;
        if (!cached) {
          // The calls after this one in the same tick go behind it on the same
          // connection, so the digest is known by the time they run.
          cached = true;
          reply = await client.eval(VERSION_SCRIPT, options);
        } else {
          try {
            reply = await client.evalSha(SHA, options);
          } catch (error) {
            if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
            reply = await client.eval(VERSION_SCRIPT, options);
          }
        }
        return typeof reply === 'string' ? reply : null;
      }),
    );
  };
}

function scriptArguments(write: VersionWrite): string[] {
  const common = [String(MAX_STORED_CHARS), String(MAX_TOKEN_CHARS), String(MAX_PENDING_MS)];
  switch (write.kind) {
    case 'fence':
      return ['fence', write.changeId, '', String(write.pendingMs), '0', ...common];
    case 'settle':
      return ['settle', write.changeId, write.token, String(write.ttlMs), write.always ? '1' : '0', ...common];
    case 'refresh':
      return ['refresh', '', write.token, String(write.ttlMs), '0', ...common];
    case 'create':
      return ['create', '', write.token, String(write.ttlMs), write.replaceJunk ? '1' : '0', ...common];
  }
}
