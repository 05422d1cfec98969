import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  compileExamples,
  createConsumerProject,
  type ExampleFile,
  runExample,
  runServedExample,
} from './consumer.js';
import { checkBins } from './bins.js';
import { build } from './build.js';
import { examplePlan } from './examples.js';
import { lintTarball } from './lint.js';
import { type PackedPackage, pack, packedFileProblems } from './pack.js';
import { binFiles, publicPackages } from './packages.js';
import { readmeExample } from './readme.js';

/** What the check found for one package. */
export interface PackageReport {
  readonly name: string;
  readonly files: readonly string[];
  /** 'ran' (exit 0), 'ran (<harness>)' (stopped once it did its job), or 'type-checked only: <why>'. */
  readonly example: string;
  readonly exampleOutput?: string;
}

export interface ReleaseReport {
  readonly packages: readonly PackageReport[];
  /** Every failure, one paragraph each; the release is publishable when it is empty. */
  readonly failures: readonly string[];
}

export interface CheckOptions {
  /** Skip `turbo run build` (the caller built already). */
  readonly skipBuild?: boolean;
  /** Keep the temp directories for inspection. */
  readonly keep?: boolean;
  readonly log?: (line: string) => void;
}

/**
 * Builds every public package, packs it as npm would publish it and checks the tarball: its file
 * list, publint, arethetypeswrong, and a fresh project that installs all tarballs together,
 * type-checks every README example against them and runs those that can run here.
 */
export async function releaseCheck(root: string, options: CheckOptions = {}): Promise<ReleaseReport> {
  const log = options.log ?? (() => {});
  const failures: string[] = [];
  const packages = publicPackages(root);
  const tarballs = mkdtempSync(join(tmpdir(), 'dstream-tarballs-'));
  let consumerDir: string | undefined;
  try {
    const packAll = async (): Promise<PackedPackage[]> => {
      const packed: PackedPackage[] = [];
      for (const pkg of packages) {
        const result = await pack(pkg, tarballs);
        log(`pack: ${basename(result.tarball)} (${result.files.length} files)`);
        for (const problem of packedFileProblems(result, binFiles(pkg.manifest))) {
          failures.push(`${pkg.name}: ${problem}`);
        }
        failures.push(...(await lintTarball(root, result)));
        packed.push(result);
      }
      log('lint: publint --strict and attw --profile esm-only done');
      return packed;
    };
    if (options.skipBuild !== true) log('build: turbo run build (cached outputs are reused)');
    const packed =
      options.skipBuild === true
        ? await packAll()
        : await build(
            root,
            packages.map((p) => p.name),
            packAll,
          );

    const examples: ExampleFile[] = [];
    const extras: string[] = [];
    for (const { pkg } of packed) {
      const readmePath = join(pkg.dir, 'README.md');
      const example = readmeExample(readFileSync(readmePath, 'utf8'), readmePath);
      examples.push({ pkg: pkg.name, file: pkg.name.replace(/^@dstream\//, ''), code: example.code });
      extras.push(...example.extraInstalls);
    }
    log(
      `install: ${packed.length} tarballs${extras.length > 0 ? ` + ${[...new Set(extras)].join(' ')}` : ''}`,
    );
    const project = await createConsumerProject(root, packed, extras);
    consumerDir = project.dir;
    log(`compile: ${examples.length} README examples with tsc (strict, NodeNext, skipLibCheck off)`);
    await compileExamples(project, examples);

    log('bins: dstream run, dstream-kafka-testkit');
    failures.push(...(await checkBins(project)));

    const reports: PackageReport[] = [];
    for (const [i, example] of examples.entries()) {
      const plan = examplePlan(example.pkg);
      const files = packed[i]!.files;
      if (plan.mode === 'typecheck') {
        log(`example: ${example.pkg} type-checked only: ${plan.reason}`);
        reports.push({ name: example.pkg, files, example: `type-checked only: ${plan.reason}` });
        continue;
      }
      try {
        if (plan.mode === 'serve') {
          const output = await runServedExample(project, example, plan.harness, plan.timeoutMs);
          log(`example: ${example.pkg} ran against the ${plan.harness} harness until it did its job`);
          reports.push({ name: example.pkg, files, example: `ran (${plan.harness})`, exampleOutput: output });
          continue;
        }
        const output = await runExample(project, example, plan.timeoutMs);
        const absent = (plan.expectOutput ?? []).filter((expected) => !expected.test(output));
        if (absent.length > 0)
          throw new Error(`README example of ${example.pkg}: no ${absent.join(', ')} in:\n${output}`);
        log(`example: ${example.pkg} ran`);
        reports.push({ name: example.pkg, files, example: 'ran', exampleOutput: output });
      } catch (error) {
        failures.push((error as Error).message);
        reports.push({ name: example.pkg, files, example: 'failed' });
      }
    }
    return { packages: reports, failures };
  } catch (error) {
    return { packages: [], failures: [...failures, (error as Error).message] };
  } finally {
    if (options.keep === true) log(`kept: ${tarballs}${consumerDir === undefined ? '' : ` ${consumerDir}`}`);
    else {
      rmSync(tarballs, { recursive: true, force: true });
      if (consumerDir !== undefined) rmSync(consumerDir, { recursive: true, force: true });
    }
  }
}
