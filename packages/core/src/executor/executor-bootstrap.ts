import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.js';

const entry = new URL(
  import.meta.url.endsWith('.ts') ? './executor-main.ts' : './executor-main.js',
  import.meta.url,
);

/**
 * tsx's ESM API, found from `from`, or undefined when tsx is not installed. The executor imports its
 * entry with `tsImport`, which scopes tsx to that import graph: registering tsx globally in a worker
 * made Node 24 run CommonJS `require('x.json')` (mysql2, ioredis) through tsx, which broke them.
 */
function tsxEsmApi(from: string): string | undefined {
  if (!from.startsWith('file:')) return undefined;
  try {
    const pkgPath = createRequire(from).resolve('tsx/package.json');
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
      exports: Record<string, { import?: { default?: string } }>;
    };
    const esm = pkg.exports['./esm/api']?.import?.default;
    return esm === undefined ? undefined : pathToFileURL(join(dirname(pkgPath), esm)).href;
  } catch {
    return undefined;
  }
}

/**
 * How an executor thread starts: a tiny bootstrap that imports the entry, through tsx's `tsImport`
 * when the entry or the job module is TypeScript (running from sources, or a .ts job).
 */
export function bootstrap(moduleUrl: string): { code: string; execArgv: string[] } {
  // Loaders given with --import are registered by the bootstrap instead (a worker's --import runs
  // too late for its own entry module).
  const execArgv: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const arg = process.execArgv[i]!;
    if (arg === '--import' || arg === '--loader' || arg === '--experimental-loader') i++;
    else if (!/^--(import|loader|experimental-loader)=/.test(arg)) execArgv.push(arg);
  }
  const needsTsx = entry.pathname.endsWith('.ts') || /\.[cm]?ts$/.test(moduleUrl);
  let register = '';
  if (needsTsx) {
    const api = tsxEsmApi(moduleUrl) ?? tsxEsmApi(import.meta.url);
    if (api === undefined) {
      throw new ConfigError(
        'executors running TypeScript need tsx installed (npm install -D tsx), or compile the job to .js',
      );
    }
    register = `const { tsImport } = await import(${JSON.stringify(api)}); await tsImport(${JSON.stringify(entry.href)}, { parentURL: ${JSON.stringify(entry.href)} }); return;`;
  }
  if (
    entry.pathname.endsWith('.ts') &&
    !execArgv.includes('@dstream/source') &&
    !execArgv.includes('--conditions=@dstream/source')
  ) {
    execArgv.push('--conditions=@dstream/source');
  }
  const code = `(async () => { ${register} await import(${JSON.stringify(entry.href)}); })().catch((error) => { require('node:worker_threads').parentPort.postMessage({ type: 'fatal', error: { name: error?.name ?? 'Error', message: String(error?.message ?? error), stack: error?.stack } }); });`;
  return { code, execArgv };
}
