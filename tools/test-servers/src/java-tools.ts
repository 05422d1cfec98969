import { spawnSync } from 'node:child_process';

/** The one line that tells a developer or CI how to get what the harness needs. */
export const INSTALL_HINT = 'install them with: apt-get install -y openjdk-17-jdk-headless maven';

let javaChecked = false;
let mavenChecked = false;

/** Throws a clear error when `java` (17+) is not on the PATH. Checked once per process. */
export function requireJava(): void {
  if (javaChecked) return;
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new Error(
      `@dstream/test-servers needs Java 17+ (\`java\` on the PATH) to run Kafka and HBase, but \`java -version\` ` +
        `failed (${result.error?.message ?? `exit ${result.status}`}); ${INSTALL_HINT}`,
    );
  }
  const match = /version "(\d+)/.exec(`${result.stderr}${result.stdout}`);
  const major = match?.[1] === undefined ? 0 : Number(match[1]);
  if (major < 17) {
    throw new Error(
      `@dstream/test-servers needs Java 17+, found ${match?.[0] ?? 'an unknown version'}; ${INSTALL_HINT}`,
    );
  }
  javaChecked = true;
}

/** Throws a clear error when `mvn` is missing. Only needed while the jar cache is empty. */
export function requireMaven(): void {
  if (mavenChecked) return;
  const result = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new Error(
      `@dstream/test-servers needs Maven (\`mvn\` on the PATH) to fetch the Kafka/HBase jars from Maven Central ` +
        `once, but \`mvn -v\` failed (${result.error?.message ?? `exit ${result.status}`}); ${INSTALL_HINT}`,
    );
  }
  mavenChecked = true;
}
