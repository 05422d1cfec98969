import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler } from './api-handler.js';

/**
 * ApiVersions v0-v3. A request newer than v3 is answered the way Kafka does: a v0 body with
 * UNSUPPORTED_VERSION and the full api list, so the client can retry with a version it shares.
 */
export function apiVersionsHandler(all: () => ApiHandler[]): ApiHandler {
  return {
    key: ApiKey.ApiVersions,
    name: 'ApiVersions',
    minVersion: 0,
    maxVersion: 3,
    flexibleFrom: 3,
    handle({ version, reader, forcedError }) {
      const apis = [...all()].sort((a, b) => a.key - b.key);
      const w = new Writer();
      if (version > 3) {
        w.int16(ErrorCode.UNSUPPORTED_VERSION);
        w.array(apis, (x, api) => x.int16(api.key).int16(api.minVersion).int16(api.maxVersion));
        return w.toBuffer();
      }
      if (version >= 3) {
        reader.compactString();
        reader.compactString();
        reader.taggedFields();
      }
      w.int16(forcedError);
      if (version >= 3) {
        w.compactArray(apis, (x, api) =>
          x.int16(api.key).int16(api.minVersion).int16(api.maxVersion).taggedFields(),
        );
      } else {
        w.array(apis, (x, api) => x.int16(api.key).int16(api.minVersion).int16(api.maxVersion));
      }
      if (version >= 1) w.int32(0);
      if (version >= 3) w.taggedFields();
      return w.toBuffer();
    },
  };
}
