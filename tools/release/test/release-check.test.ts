import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { releaseCheck } from '../src/check.js';
import { publicPackages } from '../src/packages.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

// The whole `npm run release:check`: turbo build (cached outputs reused), npm pack, publint,
// attw, one npm install of every tarball (registry through npm's cache) and the README examples
// (Redis at 6379, MariaDB at 3306). About 40-60 s on 2 cores when the build is cached.
describe('release check', () => {
  it('every public package packs, lints, installs and its README example compiles (and runs where it can)', async () => {
    const report = await releaseCheck(root);
    expect(report.failures).toEqual([]);
    expect(report.packages.map((p) => p.name)).toEqual(publicPackages(root).map((p) => p.name));
    for (const pkg of report.packages) {
      expect(pkg.files).toEqual(
        expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/index.js']),
      );
      expect(pkg.example).toMatch(/^(ran|type-checked only: .+)$/);
    }
    const ran = report.packages.filter((p) => p.example === 'ran').map((p) => p.name);
    expect(ran).toEqual(
      expect.arrayContaining([
        '@dstream/connector-file',
        '@dstream/connector-mysql',
        '@dstream/connector-redis',
        '@dstream/kafka-testkit',
      ]),
    );
  }, 600_000);
});
