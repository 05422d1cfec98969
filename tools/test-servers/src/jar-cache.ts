import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireMaven } from './java-tools.js';
import { isPidAlive } from './pid-file.js';

/** Which pom in this package describes a server's jars. */
export interface JarSet {
  /** Folder of the pom inside this package: `kafka`, `kafka4` or `hbase`. */
  pomDir: 'kafka' | 'kafka4' | 'hbase';
  /** Cache folder prefix, e.g. `kafka-3.9.1`. */
  name: string;
}

const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies';
const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const inFlight = new Map<string, Promise<string>>();

/** `${DSTREAM_SERVERS_CACHE:-$HOME/.cache/dstream-testservers}` */
export function cacheRoot(): string {
  return process.env.DSTREAM_SERVERS_CACHE || join(homedir(), '.cache', 'dstream-testservers');
}

/** Folder of one jar set in the cache, keyed by version and the pom's content hash. */
export function jarSetDir(set: JarSet): string {
  const pom = readFileSync(join(packageRoot, set.pomDir, 'pom.xml'));
  const hash = createHash('sha256').update(pom).digest('hex').slice(0, 12);
  return join(cacheRoot(), `${set.name}-${hash}`);
}

/**
 * Returns the folder holding every runtime jar of `set`. Maven runs only while the `.complete` stamp is
 * missing; afterwards nothing touches the network. Safe to call from several processes at once: a lock
 * folder serializes the fetch and the finished folder appears by an atomic rename.
 */
export function ensureJars(set: JarSet): Promise<string> {
  const dir = jarSetDir(set);
  const lib = join(dir, 'lib');
  if (existsSync(join(lib, '.complete'))) return Promise.resolve(lib);
  let pending = inFlight.get(dir);
  if (!pending) {
    pending = fetchLocked(set, dir, lib).finally(() => inFlight.delete(dir));
    inFlight.set(dir, pending);
  }
  return pending;
}

async function fetchLocked(set: JarSet, dir: string, lib: string): Promise<string> {
  requireMaven();
  await mkdir(dir, { recursive: true });
  const release = await acquireLock(join(dir, '.lock'));
  try {
    if (existsSync(join(lib, '.complete'))) return lib;
    const tmp = join(dir, `lib.tmp-${process.pid}-${Date.now()}`);
    await runMaven(set, tmp);
    await writeFile(join(tmp, '.complete'), `${new Date().toISOString()}\n`);
    await rm(lib, { recursive: true, force: true });
    await rename(tmp, lib);
    return lib;
  } finally {
    await release();
  }
}

function runMaven(set: JarSet, outputDirectory: string): Promise<void> {
  const pom = join(packageRoot, set.pomDir, 'pom.xml');
  const args = [
    '-B',
    '-ntp',
    '-q',
    '-f',
    pom,
    DEPENDENCY_PLUGIN,
    '-DincludeScope=runtime',
    '-Dmdep.prependGroupId=true',
    `-DoutputDirectory=${outputDirectory}`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('mvn', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve();
      else {
        const tail = output.trim().split('\n').slice(-30).join('\n');
        reject(
          new Error(
            `fetching the ${set.name} jars with Maven (pom ${pom}) failed with exit ${code}; Maven Central must be ` +
              `reachable the first time (pre-fetch with: npm run prefetch -w @dstream/test-servers).\n${tail}`,
          ),
        );
      }
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A lock folder holding the owner's pid; a lock whose owner is dead is taken over. */
async function acquireLock(lockDir: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(join(lockDir, 'pid'), String(process.pid));
      return () => rm(lockDir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(await readFile(join(lockDir, 'pid'), 'utf8').catch(() => 'NaN'));
    if (Number.isInteger(owner) && !isPidAlive(owner)) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the jar-cache lock ${lockDir}`);
    await sleep(500);
  }
}
