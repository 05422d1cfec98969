import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

// Application class-data sharing (JDK 17 dynamic CDS archives): a JVM started with an archive of the
// classes a broker loads maps them instead of parsing and verifying ~5000 classes from the jars. Measured
// on a busy 2-core machine: a Kafka broker reached its port in 3.3-4.6 s instead of 7.5-8 s, with half the
// CPU. The archive is made by `npm run prefetch` and only used when present; a JVM that cannot use it
// (another JDK, another classpath) says so in its log and starts normally. DSTREAM_SERVERS_CDS=0 turns it off.

/** Where the archive for the JVMs of one jar set lives (next to its `lib` folder). */
export function classDataArchive(lib: string, name: string): string {
  return join(dirname(lib), 'cds', `${name}.jsa`);
}

const enabled = () => process.env.DSTREAM_SERVERS_CDS !== '0';

/** JVM flags that use `archive` if it exists. */
export function useClassDataArchive(archive: string): string[] {
  return enabled() && existsSync(archive) ? [`-XX:SharedArchiveFile=${archive}`] : [];
}

/**
 * Flags that make a JVM write `archive` when it exits, and a `finish` to call after the exit: the file is
 * kept only if the JVM ended by itself (a SIGKILL during the dump would leave a truncated archive).
 */
export async function recordClassDataArchive(
  archive: string,
): Promise<{ flags: string[]; finish(exitedCleanly: boolean): Promise<boolean> }> {
  if (!enabled() || existsSync(archive)) return { flags: [], finish: async () => false };
  await mkdir(dirname(archive), { recursive: true });
  const tmp = `${archive}.tmp-${process.pid}-${Date.now()}`;
  return {
    flags: [`-XX:ArchiveClassesAtExit=${tmp}`],
    async finish(exitedCleanly) {
      if (exitedCleanly && existsSync(tmp) && !existsSync(archive)) {
        await rename(tmp, archive);
        return true;
      }
      await rm(tmp, { force: true });
      return false;
    },
  };
}
