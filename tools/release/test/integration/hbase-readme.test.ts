import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useHBase } from '@dstream/test-servers/vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from '../../src/build.js';
import { compileExamples, createConsumerProject, runExample } from '../../src/consumer.js';
import { pack } from '../../src/pack.js';
import { publicPackages } from '../../src/packages.js';
import { readmeExample } from '../../src/readme.js';

const root = fileURLToPath(new URL('../../../..', import.meta.url));
const cleanups: string[] = [];
afterAll(() => {
  for (const dir of cleanups) rmSync(dir, { recursive: true, force: true });
});

// The release check only type-checks connector-hbase's README example (it needs HBase). Here it
// runs on the shared real HBase of the integration project, from the packed tarballs, with two
// substitutions: that HBase's ZooKeeper for 127.0.0.1:2181 and a fresh table for page_counts.
// About 40 s (build cached, HBase already up) plus HBase's start when this is the first user.
describe('connector-hbase README example', () => {
  it('runs from the packed tarballs against a real HBase and prints the exact count', async () => {
    const { zookeeper } = await useHBase();
    const names = ['@dstream/core', '@dstream/connector-hbase'];
    const tarballs = mkdtempSync(join(tmpdir(), 'dstream-tarballs-'));
    cleanups.push(tarballs);
    const packages = publicPackages(root).filter((p) => names.includes(p.name));
    const packed = await build(root, names, () => Promise.all(packages.map((p) => pack(p, tarballs))));

    const readmePath = join(root, 'packages', 'connector-hbase', 'README.md');
    const { code, extraInstalls } = readmeExample(readFileSync(readmePath, 'utf8'), readmePath);
    expect(code.split("'127.0.0.1:2181'").length - 1).toBe(1);
    expect(code.split("'page_counts'").length - 1).toBe(3);
    const table = `readme_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const runnable = code
      .replace("'127.0.0.1:2181'", `'${zookeeper}'`)
      .replaceAll("'page_counts'", `'${table}'`);

    const project = await createConsumerProject(root, packed, extraInstalls);
    cleanups.push(project.dir);
    const example = { pkg: '@dstream/connector-hbase', file: 'connector-hbase', code: runnable };
    await compileExamples(project, [example]);
    const output = await runExample(project, example, 120_000);
    expect(output).toMatch(/^\/home 3n$/m);
  }, 600_000);
});
