import { RawClient } from './raw-client.js';

/** The newest version of each API that kafkajs 2.2.4 implements (node_modules/kafkajs/src/protocol/requests). */
const KAFKAJS_MAX: Record<number, number> = {
  0: 7,
  1: 11,
  2: 3,
  3: 6,
  8: 5,
  9: 4,
  10: 2,
  11: 5,
  12: 3,
  13: 3,
  14: 3,
  15: 2,
  16: 2,
  18: 2,
  19: 3,
  20: 1,
  21: 1,
  22: 1,
  24: 1,
  25: 1,
  26: 1,
  28: 1,
  42: 1,
};

/**
 * ApiVersions as clients see it: v0 and the flexible v3 succeed, a version newer than the broker knows
 * gets a v0-shaped UNSUPPORTED_VERSION answer with the api list, and kafkajs' negotiated versions.
 */
export async function apiVersionsScenario(bootstrap: string[]) {
  const client = await RawClient.connect(bootstrap[0]!);
  try {
    const v0 = await client.request(18, 0, () => {});
    const v0Error = v0.int16();
    const ranges = new Map(v0.array((r) => [r.int16(), [r.int16(), r.int16()] as [number, number]] as const));
    const v3 = await client.request(
      18,
      3,
      (w) => w.compactString('dstream').compactString('0.1.0').taggedFields(),
      {
        flexibleHeader: true,
      },
    );
    const v3Error = v3.int16();
    const future = await client.request(
      18,
      99,
      (w) => w.compactString('dstream').compactString('0.1.0').taggedFields(),
      {
        flexibleHeader: true,
      },
    );
    const futureError = future.int16();
    const futureList = future.array((r) => [r.int16(), r.int16(), r.int16()]);
    const negotiated: Record<number, number | string> = {};
    for (const [key, max] of Object.entries(KAFKAJS_MAX)) {
      const range = ranges.get(Number(key));
      if (!range) negotiated[Number(key)] = 'missing';
      else negotiated[Number(key)] = Math.min(max, range[1]) >= range[0] ? Math.min(max, range[1]) : 'none';
    }
    return {
      v0Error,
      v3Error,
      future: {
        error: futureError,
        listsApiVersions: futureList.some(([key]) => key === 18),
        fullyRead: future.remaining === 0,
      },
      kafkajsNegotiates: negotiated,
    };
  } finally {
    client.close();
  }
}
