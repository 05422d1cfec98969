import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeFailure, exec, userEnv } from './exec.js';

/** Every workspace's package.json path relative to the root (the globs of the root manifest). */
function workspaceManifests(root: string): string[] {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
  const found: string[] = [];
  for (const pattern of manifest.workspaces) {
    const dirs = pattern.endsWith('/*')
      ? readdirSync(join(root, pattern.slice(0, -2))).map((name) => `${pattern.slice(0, -2)}/${name}`)
      : [pattern];
    for (const dir of dirs)
      if (existsSync(join(root, dir, 'package.json'))) found.push(`${dir}/package.json`);
  }
  return found;
}

/**
 * Runs `changeset version` on a copy of the repository's manifests and changeset config (never on
 * the repository itself) with the given changesets, and resolves to every package's version after.
 * `changesets` maps a file name to its content; `copyExisting` also copies `.changeset/*.md`.
 */
export async function versionInCopy(
  root: string,
  changesets: Readonly<Record<string, string>>,
  copyExisting = false,
): Promise<Record<string, string>> {
  const copy = mkdtempSync(join(tmpdir(), 'dstream-changesets-'));
  try {
    mkdirSync(join(copy, '.changeset'));
    copyFileSync(join(root, 'package.json'), join(copy, 'package.json'));
    copyFileSync(join(root, '.changeset', 'config.json'), join(copy, '.changeset', 'config.json'));
    if (copyExisting) {
      for (const name of readdirSync(join(root, '.changeset'))) {
        if (name.endsWith('.md') && name !== 'README.md') {
          copyFileSync(join(root, '.changeset', name), join(copy, '.changeset', name));
        }
      }
    }
    for (const [name, content] of Object.entries(changesets))
      writeFileSync(join(copy, '.changeset', name), content);
    const manifests = workspaceManifests(root);
    for (const path of manifests) {
      mkdirSync(join(copy, path, '..'), { recursive: true });
      copyFileSync(join(root, path), join(copy, path));
    }
    const cli = join(root, 'node_modules', '@changesets', 'cli', 'bin.js');
    const result = await exec(process.execPath, [cli, 'version'], {
      cwd: copy,
      timeoutMs: 60_000,
      env: userEnv(),
    });
    if (result.code !== 0) throw new Error(describeFailure('changeset version', result));
    const versions: Record<string, string> = {};
    for (const path of manifests) {
      const manifest = JSON.parse(readFileSync(join(copy, path), 'utf8')) as {
        name: string;
        version: string;
      };
      versions[manifest.name] = manifest.version;
    }
    const left = readdirSync(join(copy, '.changeset')).filter((name) => name.endsWith('.md'));
    if (left.length > 0) throw new Error(`changeset version left ${left.join(', ')} unconsumed`);
    return versions;
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}
