import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeFailure, type ExecResult, exec, startProcess, userEnv } from './exec.js';
import { type HarnessName, startHarness } from './harnesses.js';
import type { PackedPackage } from './pack.js';

/** A fresh npm project outside the repository, with every packed tarball installed together. */
export interface ConsumerProject {
  readonly dir: string;
}

/** The version of `name` the repository itself installed, to pin the consumer's copy to it. */
function rootVersion(root: string, name: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    };
    return manifest.version;
  } catch {
    return undefined;
  }
}

/**
 * Creates the project in the OS temp directory, so nothing resolves from the repository's
 * node_modules, and installs the tarballs plus TypeScript, @types/node and the `extras` that READMEs
 * tell users to install (pinned to the repository's versions). Network: the npm registry only
 * (`--prefer-offline` serves what npm's cache has).
 */
export async function createConsumerProject(
  root: string,
  packed: readonly PackedPackage[],
  extras: readonly string[],
): Promise<ConsumerProject> {
  const dir = mkdtempSync(join(tmpdir(), 'dstream-release-'));
  const manifest = { name: 'dstream-release-consumer', version: '0.0.0', private: true, type: 'module' };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const pinned = ['typescript', '@types/node', ...new Set(extras)].map((name) => {
    const version = rootVersion(root, name);
    return version === undefined ? name : `${name}@${version}`;
  });
  const args = ['install', '--no-audit', '--no-fund', '--prefer-offline', ...packed.map((p) => p.tarball)];
  const result = await exec('npm', [...args, ...pinned], { cwd: dir, timeoutMs: 300_000, env: userEnv() });
  if (result.code !== 0) throw new Error(describeFailure(`npm install in ${dir}`, result));
  return { dir };
}

/** A README example written into the consumer project as `examples/<file>.ts`. */
export interface ExampleFile {
  readonly pkg: string;
  readonly file: string;
  readonly code: string;
}

/** Writes the examples and type-checks/compiles them with the consumer's own TypeScript. */
export async function compileExamples(project: ConsumerProject, examples: readonly ExampleFile[]) {
  mkdirSync(join(project.dir, 'examples'), { recursive: true });
  for (const example of examples)
    writeFileSync(join(project.dir, 'examples', `${example.file}.ts`), example.code);
  // What a user of the packages would write: strict NodeNext ESM, no custom conditions, and
  // skipLibCheck off so the published .d.ts files are checked too.
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      skipLibCheck: false,
      types: ['node'],
      rootDir: 'examples',
      outDir: 'out',
    },
    include: ['examples'],
  };
  writeFileSync(join(project.dir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  const tsc = join(project.dir, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = await exec(process.execPath, [tsc, '-p', '.'], {
    cwd: project.dir,
    timeoutMs: 180_000,
    env: userEnv(),
  });
  if (result.code !== 0) throw new Error(describeFailure('tsc of the README examples', result));
}

/** Runs a compiled example with node in a scratch directory of its own; resolves to its output. */
export async function runExample(project: ConsumerProject, example: ExampleFile, timeoutMs: number) {
  const cwd = join(project.dir, 'run', example.file);
  mkdirSync(cwd, { recursive: true });
  const script = join(project.dir, 'out', `${example.file}.js`);
  const result = await exec(process.execPath, [script], { cwd, timeoutMs, env: userEnv() });
  if (result.code !== 0) throw new Error(describeFailure(`README example of ${example.pkg}`, result));
  return result.stdout;
}

/**
 * Runs a compiled example that never stops by itself (a streaming job reading a socket or Kafka)
 * against its harness, until the harness sees the example's effect or `timeoutMs` passes; then
 * stops it with SIGTERM (SIGKILL 5 s later), as a user would with Ctrl-C.
 */
export async function runServedExample(
  project: ConsumerProject,
  example: ExampleFile,
  harnessName: HarnessName,
  timeoutMs: number,
): Promise<string> {
  const harness = await startHarness(harnessName, project.dir);
  const cwd = join(project.dir, 'run', example.file);
  mkdirSync(cwd, { recursive: true });
  const script = join(project.dir, 'out', `${example.file}.js`);
  const child = startProcess(process.execPath, [script], {
    cwd,
    timeoutMs: timeoutMs + 10_000,
    env: userEnv(),
  });
  let exited: ExecResult | undefined;
  child.exited.then(
    (result) => (exited = result),
    () => undefined,
  );
  try {
    const deadline = Date.now() + timeoutMs;
    let missing = await harness.missing(child.output());
    while (missing !== undefined) {
      if (exited !== undefined) {
        throw new Error(describeFailure(`README example of ${example.pkg} (${missing})`, exited));
      }
      if (Date.now() > deadline)
        throw new Error(`README example of ${example.pkg}: after ${timeoutMs} ms, ${missing}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      missing = await harness.missing(child.output());
    }
    return child.output();
  } finally {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await child.exited.catch(() => undefined);
    clearTimeout(killer);
    await harness.stop();
  }
}
