import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler } from './api-handler.js';

/** SyncGroup v0-v3: the leader's assignments are handed to every member of the generation. */
export const syncGroup: ApiHandler = {
  key: ApiKey.SyncGroup,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 3,
  async handle({ cluster, nodeId, version, reader, forcedError }) {
    const groupId = reader.string();
    const generationId = reader.int32();
    const memberId = reader.string();
    if (version >= 3) reader.nullableString();
    const assignments = new Map<string, Buffer>();
    reader.array((r) => assignments.set(r.string(), Buffer.from(r.bytes())));
    const failure = forcedError || (cluster.isCoordinator(nodeId, groupId) ? 0 : ErrorCode.NOT_COORDINATOR);
    const result = failure
      ? { errorCode: failure, assignment: Buffer.alloc(0) }
      : await cluster.groups.sync(groupId, generationId, memberId, assignments);
    const w = new Writer();
    if (version >= 1) w.int32(0);
    return w.int16(result.errorCode).bytes(result.assignment).toBuffer();
  },
};
