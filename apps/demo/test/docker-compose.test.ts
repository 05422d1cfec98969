import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const compose = fileURLToPath(new URL('../docker-compose.yml', import.meta.url));
const run = promisify(execFile);

describe('apps/demo/docker-compose.yml', () => {
  it('is valid for docker-compose (config resolves every service, build and reference)', async () => {
    // Validating needs no Docker engine: Debian's docker-compose 1.29.2 (apt-get install -y docker-compose).
    const { stdout } = await run('docker-compose', ['-f', compose, 'config'], { timeout: 60_000 }).catch(
      (error: NodeJS.ErrnoException & { stderr?: string }) => {
        if (error.code === 'ENOENT')
          throw new Error('docker-compose is not installed: apt-get install -y docker-compose');
        throw new Error(`docker-compose config rejected the file: ${error.stderr ?? error.message}`);
      },
    );
    const services = (await run('docker-compose', ['-f', compose, 'config', '--services'])).stdout
      .split('\n')
      .filter(Boolean);
    expect(services.sort()).toEqual(['demo', 'hbase', 'kafka', 'mysql', 'redis']);
    expect(stdout).toMatch(/image: apache\/kafka:3\.9\.1/);
    expect(stdout).toMatch(/image: mariadb:10\.11/);
    expect(stdout).toMatch(/image: redis:7\.0/);
    expect(stdout).toMatch(/dockerfile: apps\/demo\/Dockerfile/);
    expect(stdout).toMatch(/condition: service_healthy/);
  });

  it('rejects what docker-compose would reject (the check is not vacuous)', async () => {
    const bad = `${compose}.bad.yml`;
    const { writeFile, readFile, rm } = await import('node:fs/promises');
    await writeFile(
      bad,
      (await readFile(compose, 'utf8')).replace('condition: service_healthy', 'condition: when_ready'),
    );
    try {
      await expect(run('docker-compose', ['-f', bad, 'config'], { timeout: 60_000 })).rejects.toThrow(
        /when_ready|condition/,
      );
    } finally {
      await rm(bad, { force: true });
    }
  });
});
