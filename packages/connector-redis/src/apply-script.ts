import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-client.js';
import type { RedisValue } from './redis-command.js';
import { replyText } from './redis-errors.js';

/**
 * The exactly-once write: one script call applies a chunk of a partition's commands and records its
 * batch marker (and, on the partition's last chunk, its source offset) atomically. Redis runs a
 * script to completion before serving anyone else, and a client killed mid-script does not stop it,
 * so either everything in the call happened (marker included) or nothing did.
 *
 * KEYS[1] marker hash (one per output and batch time), KEYS[2] the job's offsets hash, KEYS[3] the
 * output's applied-offsets hash, KEYS[4..] one key per command.
 * ARGV[1] marker field, ARGV[2] marker value "<chunks>:<fingerprint>", ARGV[3] marker TTL,
 * ARGV[4] offset field ('' when the partition is not aligned with a source partition), ARGV[5]
 * fromOffset, ARGV[6] untilOffset, ARGV[7] flags: 'g' check the applied offset (first chunk), 'r'
 * record the offsets (last chunk); then per command: op, n, n arguments.
 *
 * The applied-offset check makes an aligned partition's replay harmless even when it comes back
 * under another batch time (a batch re-read after recovery): a range already applied is skipped, a
 * range overlapping one already applied is refused rather than applied twice.
 *
 * Replies {0} skipped (marker), {2} skipped (range already applied), {-1, stored marker} applied
 * earlier with other content, {-2, applied offset} overlaps an applied range, {1, failures,
 * "<command index> <error>" ...} applied. A command Redis rejects (WRONGTYPE, an XADD id not newer
 * than the stream's top) does not stop the others and the marker is still written: Redis scripts
 * cannot roll back, so stopping half-way would make a retry apply the first half twice.
 */
export const applyScript = `
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if stored then
  if stored == ARGV[2] or (string.sub(stored, 1, 2) == '1:' and string.sub(ARGV[2], 1, 2) == '1:') then
    return {0}
  end
  return {-1, stored}
end
if ARGV[4] ~= '' and string.find(ARGV[7], 'g', 1, true) then
  local applied = redis.call('HGET', KEYS[3], ARGV[4])
  if applied then
    applied = tonumber(applied)
    if applied >= tonumber(ARGV[6]) then return {2} end
    if applied > tonumber(ARGV[5]) then return {-2, tostring(applied)} end
  end
end
local first = 8
local allowed = {set = true, hset = true, incrby = true, hincrby = true, zincrby = true, xadd = true, expire = true}
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
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
if ARGV[4] ~= '' and string.find(ARGV[7], 'r', 1, true) then
  redis.call('HSET', KEYS[2], ARGV[4], ARGV[6])
  redis.call('HSET', KEYS[3], ARGV[4], ARGV[6])
end
return {1, failures, unpack(reported)}
`;

export const applyScriptSha = createHash('sha1').update(applyScript).digest('hex');

export type ApplyResult =
  | { readonly kind: 'applied'; readonly failures: number; readonly reported: readonly string[] }
  | { readonly kind: 'skipped'; readonly by: 'marker' | 'offsets' }
  | { readonly kind: 'mismatch'; readonly stored: string }
  | { readonly kind: 'overlap'; readonly applied: number };

/** EVALSHA, falling back to EVAL (which also caches the script) when the server answers NOSCRIPT. */
export async function runApplyScript(
  client: RedisClient,
  keys: readonly string[],
  args: readonly RedisValue[],
): Promise<ApplyResult> {
  let reply: unknown;
  try {
    reply = await client.call('evalsha', applyScriptSha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!replyText(error).startsWith('NOSCRIPT')) throw error;
    reply = await client.call('eval', applyScript, keys.length, ...keys, ...args);
  }
  const parts = Array.isArray(reply) ? reply : [];
  const status = Number(parts[0]);
  if (status === 0) return { kind: 'skipped', by: 'marker' };
  if (status === 2) return { kind: 'skipped', by: 'offsets' };
  if (status === -1) return { kind: 'mismatch', stored: String(parts[1]) };
  if (status === -2) return { kind: 'overlap', applied: Number(parts[1]) };
  return { kind: 'applied', failures: Number(parts[1] ?? 0), reported: parts.slice(2).map(String) };
}
