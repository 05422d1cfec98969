import { execFile, spawnSync } from 'node:child_process';

let checked = false;

/** Fails with instructions when Debian's kcat (librdkafka's CLI) is missing; a missing tool is never a skip. */
export function requireKcat(): void {
  if (checked) return;
  const probe = spawnSync('kcat', ['-V'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'kcat is not installed: the librdkafka scenarios need it. Install it with ' +
        '`apt-get update && apt-get install -y kcat` (Debian/Ubuntu); .ci/run installs it when missing.',
    );
  }
  checked = true;
}

/** Runs kcat with `args`, feeding `input` on stdin; resolves with stdout or fails with stderr. */
export function kcat(args: string[], input?: string, timeoutMs = 20_000): Promise<string> {
  requireKcat();
  return new Promise((resolve, reject) => {
    const child = execFile(
      'kcat',
      args,
      { timeout: timeoutMs, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`kcat ${args.join(' ')} failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
    child.stdin?.end(input ?? '');
  });
}
