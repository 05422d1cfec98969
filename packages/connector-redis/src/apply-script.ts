import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-client.js';
import type { RedisValue } from './redis-command.js';
import { replyText } from './redis-errors.js';

/**
 * The exactly-once write: one script call applies a chunk of a partition's commands and records
 * what it applied, atomically. Redis runs a script to completion before serving anyone else, and a
 * client killed mid-script does not stop it, so either everything in the call happened or nothing.
 *
 * What identifies a chunk already applied:
 * - a partition aligned with a source partition: its offset range. The output keeps, per
 *   topic-partition, the offset it applied up to, or `<from>-<until>:<chunks done>` while a chunked
 *   partition is half-way. A range already applied is skipped whatever batch time it comes back
 *   under (after a recovery a batch may be recomputed at another time, or another batch at its time);
 *   a range that overlaps one applied is refused rather than applied twice. On the last chunk the
 *   job's offset is recorded as well (what `offsetStore.load` answers).
 * - any other partition: a marker field `<partition>:<chunk>` in a hash per output and batch — the
 *   batch named by a digest of all its source offset ranges when it has any (so a batch recomputed
 *   after a recovery under a new time is still recognised), else by its batch time — expiring after
 *   the marker TTL. Its value `<1|m>:<digest>` lets a chunked replay with other content fail loudly.
 *   The first chunk also checks the batch's ranges against the offsets the output committed
 *   (commitBatch): all committed → skipped, some or part of them → refused.
 *
 * KEYS[1] marker hash, KEYS[2] the job's offsets hash, KEYS[3] the output's applied-offsets hash,
 * KEYS[4..] one key per command. ARGV[1] marker field, ARGV[2] marker value, ARGV[3] marker TTL,
 * ARGV[4] offset field ('' when not aligned), ARGV[5] fromOffset, ARGV[6] untilOffset, ARGV[7] chunk
 * index, ARGV[8] '1' on the last chunk, ARGV[9] R, the number of batch ranges to check (first chunk
 * of a partition that is not aligned), then R × (offset field, fromOffset, untilOffset); then per
 * command: op, n, n arguments.
 *
 * Replies {0} chunk skipped, {2} whole range skipped, {-1, marker} applied earlier with other
 * content, {-2, applied} conflicts with the applied offsets, {1, failures, "<index> <error>" ...}
 * applied. A command Redis rejects (WRONGTYPE, an XADD id not newer than the stream's top) does not
 * stop the others and the chunk is still recorded: Redis scripts cannot roll back, so stopping
 * half-way would make a retry apply the first half twice.
 */
export const applyScript = `
local aligned = ARGV[4] ~= ''
local chunk = tonumber(ARGV[7])
local from, upto = tonumber(ARGV[5]), tonumber(ARGV[6])
if aligned then
  local state = redis.call('HGET', KEYS[3], ARGV[4])
  if state then
    local pf, pu, done = string.match(state, '^(%d+)-(%d+):(%d+)$')
    if pf then
      if tonumber(pf) ~= from or tonumber(pu) ~= upto or chunk > tonumber(done) then return {-2, state} end
      if chunk < tonumber(done) then return {0} end
    else
      local applied = tonumber(state)
      if applied >= upto then return {2} end
      if applied > from or chunk > 0 then return {-2, state} end
    end
  elseif chunk > 0 then
    return {-2, ''}
  end
else
  local stored = redis.call('HGET', KEYS[1], ARGV[1])
  if stored then
    if stored == ARGV[2] or (string.sub(stored, 1, 2) == '1:' and string.sub(ARGV[2], 1, 2) == '1:') then
      return {0}
    end
    return {-1, stored}
  end
  local ranges, done = tonumber(ARGV[9]), 0
  for i = 0, ranges - 1 do
    local field, from, upto = ARGV[10 + 3 * i], tonumber(ARGV[11 + 3 * i]), tonumber(ARGV[12 + 3 * i])
    local applied = tonumber(redis.call('HGET', KEYS[3], field) or '-1')
    if applied >= upto then
      done = done + 1
    elseif applied > from then
      return {-2, field .. ' at ' .. tostring(applied)}
    end
  end
  if ranges > 0 and done == ranges then return {2} end
  if done > 0 then return {-2, 'some of the ranges'} end
end
local first = 10 + 3 * tonumber(ARGV[9])
local allowed = {set = true, hset = true, incrby = true, hincrby = true, zincrby = true, zadd = true, del = true, xadd = true, expire = true}
local a = first
for k = 4, #KEYS do
  if not allowed[ARGV[a]] then return redis.error_reply('dstream: unknown op ' .. tostring(ARGV[a])) end
  a = a + 2 + tonumber(ARGV[a + 1])
end
local failures = 0
local reported = {}
a = first
for k = 4, #KEYS do
  local n = tonumber(ARGV[a + 1])
  local reply = redis.pcall(ARGV[a], KEYS[k], unpack(ARGV, a + 2, a + 1 + n))
  if type(reply) == 'table' and reply.err then
    failures = failures + 1
    if failures <= 10 then reported[failures] = tostring(k - 4) .. ' ' .. reply.err end
  end
  a = a + 2 + n
end
if aligned then
  if ARGV[8] == '1' then
    redis.call('HSET', KEYS[3], ARGV[4], ARGV[6])
    if tonumber(redis.call('HGET', KEYS[2], ARGV[4]) or '-1') < upto then redis.call('HSET', KEYS[2], ARGV[4], ARGV[6]) end
  else
    redis.call('HSET', KEYS[3], ARGV[4], ARGV[5] .. '-' .. ARGV[6] .. ':' .. tostring(chunk + 1))
  end
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return {1, failures, unpack(reported)}
`;

export const applyScriptSha = createHash('sha1').update(applyScript).digest('hex');

export type ApplyResult =
  | { readonly kind: 'applied'; readonly failures: number; readonly reported: readonly string[] }
  | { readonly kind: 'skipped'; readonly by: 'marker' | 'offsets' }
  | { readonly kind: 'mismatch'; readonly stored: string }
  | { readonly kind: 'conflict'; readonly applied: string };

/** Runs the apply script (EVALSHA, EVAL on NOSCRIPT) and decodes its reply. */
export async function runApplyScript(
  client: RedisClient,
  keys: readonly string[],
  args: readonly RedisValue[],
): Promise<ApplyResult> {
  const reply = await evalCached(client, applyScript, applyScriptSha, keys, args);
  const parts = Array.isArray(reply) ? reply : [];
  const status = Number(parts[0]);
  if (status === 0) return { kind: 'skipped', by: 'marker' };
  if (status === 2) return { kind: 'skipped', by: 'offsets' };
  if (status === -1) return { kind: 'mismatch', stored: String(parts[1]) };
  if (status === -2) return { kind: 'conflict', applied: String(parts[1] ?? '') };
  return { kind: 'applied', failures: Number(parts[1] ?? 0), reported: parts.slice(2).map(String) };
}

/** EVALSHA, falling back to EVAL (which also caches the script) when the server answers NOSCRIPT. */
export async function evalCached(
  client: RedisClient,
  script: string,
  sha: string,
  keys: readonly string[],
  args: readonly RedisValue[],
): Promise<unknown> {
  try {
    return await client.call('evalsha', sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!replyText(error).startsWith('NOSCRIPT')) throw error;
    return await client.call('eval', script, keys.length, ...keys, ...args);
  }
}

/**
 * Raises offsets, never lowers them: KEYS = hashes, ARGV = field, offset pairs. A batch re-run after a
 * restart commits again offsets older than those of batches applied after it; writing them as they
 * come would move the resume point (and the applied-offset checks) backwards.
 */
export const raiseOffsetsScript = `
for _, key in ipairs(KEYS) do
  for i = 1, #ARGV, 2 do
    local current = tonumber(redis.call('HGET', key, ARGV[i]) or '-1')
    if current < tonumber(ARGV[i + 1]) then redis.call('HSET', key, ARGV[i], ARGV[i + 1]) end
  end
end
return 1
`;

export const raiseOffsetsScriptSha = createHash('sha1').update(raiseOffsetsScript).digest('hex');
