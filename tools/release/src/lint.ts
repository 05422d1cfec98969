import { join } from 'node:path';
import { describeFailure, exec } from './exec.js';
import type { PackedPackage } from './pack.js';

/** publint and arethetypeswrong on a tarball; resolves to the failures (empty when both pass). */
export async function lintTarball(root: string, packed: PackedPackage): Promise<string[]> {
  const bin = (name: string) => join(root, 'node_modules', '.bin', name);
  const failures: string[] = [];
  // --strict: publint's warnings (e.g. a types condition after default) fail the release too.
  const publint = await exec(bin('publint'), ['run', packed.tarball, '--strict'], {
    cwd: root,
    timeoutMs: 60_000,
  });
  if (publint.code !== 0) failures.push(describeFailure(`publint of ${packed.pkg.name}`, publint));
  // ESM-only packages: CommonJS `require` and node10 resolution are not supported, on purpose.
  const attw = await exec(bin('attw'), [packed.tarball, '--profile', 'esm-only', '--format', 'ascii'], {
    cwd: root,
    timeoutMs: 60_000,
  });
  if (attw.code !== 0) failures.push(describeFailure(`attw of ${packed.pkg.name}`, attw));
  return failures;
}
