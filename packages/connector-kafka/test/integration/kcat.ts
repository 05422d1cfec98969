import { execFile } from 'node:child_process';

/** Runs Debian's kcat (librdkafka 2.0.2): the independent Kafka client of these tests. */
export function kcat(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'kcat',
      args,
      { timeout: 30_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
          reject(
            new Error(
              missing
                ? 'kcat is not installed: apt-get install -y kcat (the CI script installs it)'
                : `kcat ${args.join(' ')} failed: ${stderr || error.message}`,
            ),
          );
          return;
        }
        resolve(stdout);
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Reads a whole topic with kcat from the beginning to its end (`extra`: format, isolation level). */
export function kcatConsume(
  bootstrap: readonly string[],
  topic: string,
  ...extra: string[]
): Promise<string> {
  return kcat(['-b', bootstrap.join(','), '-C', '-t', topic, '-o', 'beginning', '-e', '-q', ...extra]);
}
