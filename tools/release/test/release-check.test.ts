import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { releaseCheck } from '../src/check.js';
import { publicPackages } from '../src/packages.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

// The whole `npm run release:check`: turbo build (cached outputs reused), npm pack, publint,
// attw, one npm install of every tarball (registry through npm's cache) and the README examples
// (Redis at 6379, MariaDB at 3306; core's against a socket on 9999, connector-kafka's against the
// packed kafka-testkit on 9092). About 40-60 s on 2 cores when the build is cached.
describe('release check', () => {
  it('every public package packs, lints, installs and its README example compiles (and runs where it can)', async () => {
    const report = await releaseCheck(root);
    expect(report.failures).toEqual([]);
    expect(report.packages.map((p) => p.name)).toEqual(publicPackages(root).map((p) => p.name));
    for (const pkg of report.packages) {
      expect(pkg.files).toEqual(
        expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/index.js']),
      );
      expect(pkg.example).toMatch(/^(ran|ran \(.+\)|type-checked only: .+)$/);
    }
    const example = Object.fromEntries(report.packages.map((p) => [p.name, p.example]));
    expect(example).toMatchObject({
      '@dstream/connector-file': 'ran',
      '@dstream/connector-mysql': 'ran',
      '@dstream/connector-redis': 'ran',
      '@dstream/kafka-testkit': 'ran',
      '@dstream/core': 'ran (socket-lines)',
      '@dstream/connector-kafka': 'ran (kafka-clicks)',
    });
    expect(example['@dstream/connector-hbase']).toMatch(/^type-checked only: needs a real HBase/);
  }, 600_000);
});
