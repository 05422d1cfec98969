import { describe, expect, it } from 'vitest';
import { type PackedPackage, packedFileProblems } from '../src/pack.js';
import { readmeExample } from '../src/readme.js';

const pkg = {
  name: '@dstream/x',
  version: '0.1.0',
  dir: '/nonexistent',
  manifest: { name: '@dstream/x', version: '0.1.0' },
};
const packed = (files: string[]): PackedPackage => ({ pkg, tarball: '/tmp/x.tgz', files });

describe('packedFileProblems', () => {
  it('flags sources, tests and build info, and requires README, LICENSE and package.json', () => {
    const problems = packedFileProblems(
      packed(['package.json', 'src/index.ts', 'dist/test/a.test.js', 'tsconfig.tsbuildinfo', 'notes.md']),
      [],
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'src/index.ts is a source, test or build-info file',
        'dist/test/a.test.js is a source, test or build-info file',
        'tsconfig.tsbuildinfo is a source, test or build-info file',
        'notes.md is neither built output (dist/), a bin, README.md, LICENSE nor package.json',
        'README.md is missing',
        'LICENSE is missing',
      ]),
    );
  });

  it('accepts declared bins and reports built files without a source as stale', () => {
    const problems = packedFileProblems(
      packed(['LICENSE', 'README.md', 'package.json', 'bin/x.js', 'dist/gone.d.ts', 'dist/gone.js']),
      ['./bin/x.js'],
    );
    expect(problems).toEqual([
      'dist/gone.js has no src/gone.ts: stale build output (delete dist/ and build again)',
    ]);
  });
});

describe('readmeExample', () => {
  const readme = [
    '# x',
    '```sh',
    'npm install --save-dev @dstream/core @dstream/x kafkajs  # kafkajs for the example',
    '```',
    '```ts',
    "import { x } from '@dstream/x';",
    '```',
    '```ts',
    'second();',
    '```',
    '',
  ].join('\n');

  it('takes the first ts block verbatim and the non-dstream packages of the install line', () => {
    expect(readmeExample(readme, 'README.md')).toEqual({
      code: "import { x } from '@dstream/x';\n",
      extraInstalls: ['kafkajs'],
    });
  });

  it('names the README that has no example', () => {
    expect(() => readmeExample('# x\nnpm install @dstream/x\n', 'packages/x/README.md')).toThrow(
      /packages\/x\/README.md has no ```ts block/,
    );
  });
});
