import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeFailure, exec, userEnv } from './exec.js';
import type { PublicPackage } from './packages.js';

/** One package as `npm pack` made it. */
export interface PackedPackage {
  readonly pkg: PublicPackage;
  /** Absolute path of the tarball. */
  readonly tarball: string;
  /** Paths inside the tarball, relative to its `package/` folder. */
  readonly files: readonly string[];
}

interface NpmPackEntry {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

/**
 * Packs `pkg` into `destination` with `npm pack --json`: the listing is the one
 * `npm pack --dry-run --json` prints, and the tarball is what `npm publish` would upload.
 */
export async function pack(pkg: PublicPackage, destination: string): Promise<PackedPackage> {
  const result = await exec('npm', ['pack', '--json', '--pack-destination', destination], {
    cwd: pkg.dir,
    timeoutMs: 60_000,
    env: userEnv(),
  });
  if (result.code !== 0) throw new Error(describeFailure(`npm pack of ${pkg.name}`, result));
  const entries = JSON.parse(result.stdout) as NpmPackEntry[];
  const entry = entries[0];
  if (entry === undefined) throw new Error(`npm pack of ${pkg.name} printed no package`);
  return { pkg, tarball: join(destination, entry.filename), files: entry.files.map((f) => f.path).sort() };
}

const alwaysShipped = new Set(['package.json', 'README.md', 'LICENSE']);
const builtFile = /^dist\/.+\.(js|d\.ts|js\.map|d\.ts\.map)$/;
const sourceOrTest = /(^|\/)(src|test|tests|__tests__)\/|\.test\.|\.spec\.|\.tsbuildinfo$/;

/** Whatever is wrong with the file list of a tarball: a list of sentences, empty when it is right. */
export function packedFileProblems(packed: PackedPackage, bins: readonly string[]): string[] {
  const problems: string[] = [];
  const bin = new Set(bins.map((b) => b.replace(/^\.\//, '')));
  for (const file of packed.files) {
    if (sourceOrTest.test(file)) problems.push(`${file} is a source, test or build-info file`);
    else if (!alwaysShipped.has(file) && !builtFile.test(file) && !bin.has(file)) {
      problems.push(`${file} is neither built output (dist/), a bin, README.md, LICENSE nor package.json`);
    }
  }
  for (const required of alwaysShipped) {
    if (!packed.files.includes(required)) problems.push(`${required} is missing`);
  }
  for (const file of packed.files) {
    // Output without a source is left over from a deleted or renamed module.
    const js = /^dist\/(.+)\.js$/.exec(file);
    if (js !== null && !existsSync(join(packed.pkg.dir, 'src', `${js[1]}.ts`))) {
      problems.push(`${file} has no src/${js[1]}.ts: stale build output (delete dist/ and build again)`);
    }
  }
  return problems;
}
