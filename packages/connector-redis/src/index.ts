export { applyScript, applyScriptSha } from './apply-script.js';
export type { CommandBuilder } from './command-chunks.js';
export {
  closeRedisClient,
  connectorDefaults,
  createRedisClient,
  describeConnection,
  redisProvider,
} from './redis-client.js';
export type { RedisClient, RedisConnection } from './redis-client.js';
export { maxFieldsPerCommand, redisCommands } from './redis-command.js';
export type {
  ExpireCommand,
  HincrbyCommand,
  HsetCommand,
  IncrbyCommand,
  RedisCommand,
  RedisOp,
  RedisValue,
  SetCommand,
  XaddCommand,
  ZincrbyCommand,
  ZaddCommand,
  DelCommand,
} from './redis-command.js';
export { mapRedisError } from './redis-errors.js';
export { offsetField, offsetsKey, redisOffsetStore } from './redis-offset-store.js';
export type { RedisOffsetStoreOptions } from './redis-offset-store.js';
export { markerKey, redisSink } from './redis-sink.js';
export type { RedisSink, RedisSinkMode, RedisSinkOptions, RedisSinkStats } from './redis-sink.js';
export { redisStreamReceiver } from './redis-stream-receiver.js';
export type { RedisStreamReceiverOptions, StreamEntry } from './redis-stream-receiver.js';
