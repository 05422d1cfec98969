import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useClassDataArchive } from './class-data-sharing.js';
import {
  HBASE_JDK17_FLAGS,
  HBASE_LOG4J2,
  HBASE_VERSION,
  hbaseArchive,
  hbaseJarSet,
  hbaseSiteProperties,
  hbaseSiteXml,
  zooCfg,
} from './hbase-config.js';
import { type HBaseAdmin, openHBaseAdmin } from './hbase-admin.js';
import { ensureJars } from './jar-cache.js';
import { requireJava } from './java-tools.js';
import { type JvmExit, JvmProcess, logTail } from './jvm-process.js';
import { freePorts } from './ports.js';
import { trackDir, untrackDir } from './process-reaper.js';
import { ZooKeeperProbe, zooKeeperIsOk } from './zookeeper-probe.js';

export { HBASE_VERSION, hbaseJarSet } from './hbase-config.js';

export interface HBaseRegionServer {
  index: number;
  host: string;
  port: number;
  /** The region server's JVM (in local mode: the one JVM that runs master and region servers). */
  pid: number | undefined;
  alive: boolean;
}

export interface HBaseCluster {
  version: string;
  /** ZooKeeper quorum for clients, `127.0.0.1:PORT` (znode parent `/hbase`). */
  zookeeper: string;
  zookeeperHost: string;
  zookeeperPort: number;
  regionServers: HBaseRegionServer[];
  /** Sends `signal` (default SIGKILL) to one region server JVM and waits for its exit. Distributed mode only. */
  killRegionServer(index: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped region server again on its port; resolves once it registered in ZooKeeper. */
  startRegionServer(index: number): Promise<void>;
  /** An admin session (create/drop tables, list/move/split regions); closed by `stop()` at the latest. */
  openAdmin(): Promise<HBaseAdmin>;
  /** Stops exactly the JVMs this cluster started and removes its temp dir. */
  stop(): Promise<void>;
}

export interface StartHBaseOptions {
  /**
   * `local` (default): one JVM with an in-process ZooKeeper, master and region servers (~370 MB, ready in
   * 8-14 s). `distributed`: separate ZooKeeper, master and region-server JVMs on fixed ports (~1 GB,
   * ~15 s), needed to kill and restart a region server.
   */
  mode?: 'local' | 'distributed';
  /** Region servers (default 2). */
  regionServers?: number;
  /** C1-only JIT: much faster JVM start on 2 cores; turn off for benchmarks (default true). */
  fastStart?: boolean;
}

const START_TIMEOUT_MS = 150_000;
const MASTER_READY = 'Master has completed initialization';
const PORT_IN_USE = /Address already in use|BindException|Could not start ZK at requested port/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class PortInUseError extends Error {}

/** Knobs for this package's own use (the prefetch script records the class-data archive with them). */
export interface HBaseInternals {
  jvmFlags(lib: string): string[];
  /**
   * Pass the site properties as `-D` options instead of putting the conf dir on the classpath: a JVM
   * that records a class-data archive must have jars only on its classpath.
   */
  siteAsOptions: boolean;
  /** Grace after SIGTERM for the local-mode JVM (it ignores SIGTERM for ~24 s, so 3 s by default). */
  localStopGraceMs: number;
  onMasterExit?(exit: JvmExit): void;
}

/** Starts a fresh HBase 2.6 from Maven Central jars in a new temp dir on loopback ports. */
export function startHBase(options: StartHBaseOptions = {}): Promise<HBaseCluster> {
  return startHBaseWith(options, {
    jvmFlags: hbaseArchiveFlags,
    siteAsOptions: false,
    localStopGraceMs: 3_000,
  });
}

export const hbaseArchiveFlags = (lib: string) => useClassDataArchive(hbaseArchive(lib));

export async function startHBaseWith(
  options: StartHBaseOptions,
  internal: HBaseInternals,
): Promise<HBaseCluster> {
  const mode = options.mode ?? 'local';
  const regionServers = options.regionServers ?? 2;
  if (mode !== 'local' && mode !== 'distributed') {
    throw new Error(`startHBase: mode must be 'local' or 'distributed', got ${String(mode)}`);
  }
  if (!Number.isInteger(regionServers) || regionServers < 1 || regionServers > 4) {
    throw new Error(`startHBase: regionServers must be an integer from 1 to 4, got ${regionServers}`);
  }
  requireJava();
  const lib = await ensureJars(hbaseJarSet);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(mode, regionServers, options.fastStart ?? true, lib, internal);
    } catch (error) {
      if (error instanceof PortInUseError && attempt < 3) continue;
      throw error;
    }
  }
}

interface Node {
  label: string;
  logFile: string;
  port: number;
  jvm: JvmProcess | undefined;
}

async function startOnce(
  mode: 'local' | 'distributed',
  regionServerCount: number,
  fastStart: boolean,
  lib: string,
  internal: HBaseInternals,
): Promise<HBaseCluster> {
  const distributed = mode === 'distributed';
  const jvmFlags = internal.jvmFlags(lib);
  const [zkPort, masterPort, ...rsPorts] = (await freePorts(2 + (distributed ? regionServerCount : 0))) as [
    number,
    number,
    ...number[],
  ];
  const zookeeper = `127.0.0.1:${zkPort}`;
  const run = await mkdtemp(join(tmpdir(), 'dstream-hbase-'));
  trackDir(run);
  const conf = join(run, 'conf');
  const common = [
    '-XX:+UseG1GC',
    '-XX:-UsePerfData',
    ...(fastStart ? ['-XX:TieredStopAtLevel=1'] : []),
    ...jvmFlags,
    '-Djava.net.preferIPv4Stack=true',
    // HBase's static DynamicClassLoader reads a fresh default config: keep its hbase-<user>/local/jars here
    `-Djava.io.tmpdir=${join(run, 'tmp')}`,
    `-Dlog4j2.configurationFile=${join(conf, 'log4j2.properties')}`,
  ];
  const site = hbaseSiteProperties({
    run,
    zkPort,
    masterPort,
    distributed,
    regionServers: regionServerCount,
  });
  // jars first: a class-data archive matches a classpath by its prefix, and the conf dir differs per run
  const classpath = internal.siteAsOptions ? `${lib}/*` : `${lib}/*:${conf}`;
  const siteOptions = internal.siteAsOptions ? site.map(([name, value]) => `-D${name}=${value}`) : [];
  const hbaseJvm = (heap: string[], mainClass: string, args: string[]) => [
    ...heap,
    ...common,
    ...HBASE_JDK17_FLAGS,
    '-cp',
    classpath,
    mainClass,
    ...siteOptions, // generic options, before the `start` command
    ...args,
  ];

  const zkNode: Node = {
    label: 'zookeeper',
    logFile: join(run, 'zookeeper.log'),
    port: zkPort,
    jvm: undefined,
  };
  const master: Node = {
    label: distributed ? 'hbase master' : 'hbase (local mode)',
    logFile: join(run, distributed ? 'master.log' : 'hbase.log'),
    port: masterPort,
    jvm: undefined,
  };
  const rsNodes: Node[] = rsPorts.map((port, index) => ({
    label: `hbase region server ${index}`,
    logFile: join(run, `regionserver-${index}.log`),
    port,
    jvm: undefined,
  }));

  const launchRegionServer = (node: Node) => {
    const portArg = `-Dhbase.regionserver.port=${node.port}`;
    node.jvm = new JvmProcess({
      label: node.label,
      args: hbaseJvm(['-Xms256m', '-Xmx512m'], 'org.apache.hadoop.hbase.regionserver.HRegionServer', [
        portArg,
        'start',
      ]),
      logFile: node.logFile,
      pidFile: join(run, `regionserver-${node.port}.pid`),
      owns: [conf, portArg],
    });
    return node.jvm;
  };

  let probe: ZooKeeperProbe | undefined;
  let stopped = false;
  const admins = new Set<HBaseAdmin>();
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    probe?.close();
    await Promise.all([...admins].map((admin) => admin.close()));
    // local mode ignores SIGTERM for ~24 s (its last region server retries the already stopped
    // in-process ZooKeeper), so it gets 3 s; the distributed JVMs stop in ~3 s by themselves
    const grace = distributed ? 10_000 : internal.localStopGraceMs;
    await Promise.all([master, ...rsNodes].map((node) => node.jvm?.kill('SIGTERM', grace)));
    await zkNode.jvm?.kill('SIGTERM', 5_000);
    await rm(run, { recursive: true, force: true });
    untrackDir(run);
  };

  const watched = () => [zkNode, master, ...rsNodes].flatMap((node) => (node.jvm ? [node.jvm] : []));
  try {
    await mkdir(conf, { recursive: true });
    await writeFile(join(conf, 'log4j2.properties'), HBASE_LOG4J2);
    await mkdir(join(run, 'tmp'), { recursive: true });
    await writeFile(join(conf, 'hbase-site.xml'), hbaseSiteXml(site));
    if (distributed) {
      const zooCfgFile = join(run, 'zoo.cfg');
      await writeFile(zooCfgFile, zooCfg(run, zkPort));
      zkNode.jvm = new JvmProcess({
        label: zkNode.label,
        args: [
          '-Xmx128m',
          ...common,
          '-cp',
          `${lib}/*`,
          'org.apache.zookeeper.server.ZooKeeperServerMain',
          zooCfgFile,
        ],
        logFile: zkNode.logFile,
        pidFile: join(run, 'zookeeper.pid'),
        owns: [zooCfgFile],
      });
      await waitUntil(
        `ZooKeeper on ${zookeeper}`,
        () => zooKeeperIsOk('127.0.0.1', zkPort),
        watched(),
        90_000,
      );
    }
    probe = new ZooKeeperProbe(zookeeper);
    const masterArgs = distributed ? ['-Xms256m', '-Xmx512m'] : ['-Xms512m', '-Xmx1g'];
    master.jvm = new JvmProcess({
      label: master.label,
      args: hbaseJvm(masterArgs, 'org.apache.hadoop.hbase.master.HMaster', ['start']),
      logFile: master.logFile,
      pidFile: join(run, 'master.pid'),
      owns: [conf, 'org.apache.hadoop.hbase.master.HMaster'],
    });
    if (internal.onMasterExit) master.jvm.exited.then(internal.onMasterExit);
    for (const node of rsNodes) launchRegionServer(node);
    const zk = probe;
    await waitUntil(
      `HBase (${mode}, ${regionServerCount} region servers, ZooKeeper ${zookeeper})`,
      async () => {
        if (!readLog(master.logFile).includes(MASTER_READY)) return false;
        const servers = await zk.children('/hbase/rs');
        return (
          (servers?.length ?? 0) >= regionServerCount &&
          (await zk.data('/hbase/meta-region-server')) !== undefined
        );
      },
      watched(),
      START_TIMEOUT_MS,
    );
    if (!distributed) {
      const servers = (await zk.children('/hbase/rs')) ?? [];
      for (const [index, name] of servers.sort().entries()) {
        rsNodes.push({
          label: `in-process region server ${index}`,
          logFile: master.logFile,
          port: portOf(name),
          jvm: undefined,
        });
      }
    }
  } catch (error) {
    await stop();
    const message = error instanceof Error ? error.message : String(error);
    if (PORT_IN_USE.test(message)) throw new PortInUseError(message);
    throw error;
  }

  const distributedNode = (index: number, what: string): Node => {
    if (!distributed)
      throw new Error(
        `${what} needs startHBase({ mode: 'distributed' }): local-mode region servers are threads`,
      );
    const node = rsNodes[index];
    if (!node) throw new Error(`${what}: no region server ${index} (there are ${rsNodes.length})`);
    return node;
  };

  return {
    version: HBASE_VERSION,
    zookeeper,
    zookeeperHost: '127.0.0.1',
    zookeeperPort: zkPort,
    regionServers: rsNodes.map((node, index) => ({
      index,
      host: '127.0.0.1',
      port: node.port,
      get pid() {
        return (distributed ? node.jvm : master.jvm)?.pid;
      },
      get alive() {
        return (distributed ? node.jvm : master.jvm)?.alive ?? false;
      },
    })),
    async killRegionServer(index, signal = 'SIGKILL') {
      await distributedNode(index, 'killRegionServer').jvm?.kill(signal, 30_000);
    },
    async startRegionServer(index) {
      const node = distributedNode(index, 'startRegionServer');
      if (stopped) throw new Error('startRegionServer: the cluster was stopped');
      if (node.jvm?.alive)
        throw new Error(`startRegionServer: region server ${index} is still running (pid ${node.jvm.pid})`);
      const zk = probe as ZooKeeperProbe;
      // the killed server's znode lives until its ZooKeeper session expires: wait for a new start code
      const before = new Set(
        ((await zk.children('/hbase/rs')) ?? []).filter((name) => portOf(name) === node.port),
      );
      const registered = async () =>
        ((await zk.children('/hbase/rs')) ?? []).some(
          (name) => portOf(name) === node.port && !before.has(name),
        );
      for (let attempt = 1; ; attempt++) {
        const jvm = launchRegionServer(node);
        try {
          const others = watched().filter((other) => other !== jvm && other.alive);
          await waitUntil(
            `${node.label} on port ${node.port}`,
            registered,
            [jvm, ...others],
            START_TIMEOUT_MS,
          );
          return;
        } catch (error) {
          // the killed server's port can linger for a moment; anything else is a real failure
          if (jvm.alive || attempt >= 3 || !PORT_IN_USE.test(String(error))) throw error;
          await sleep(1000);
        }
      }
    },
    async openAdmin() {
      if (stopped) throw new Error('openAdmin: the cluster was stopped');
      const admin = await openHBaseAdmin(zookeeper);
      admins.add(admin);
      return admin;
    },
    stop,
  };
}

/** `127.0.0.1,41107,1795430316585` → 41107 */
function portOf(serverName: string): number {
  return Number(serverName.split(',')[1]);
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

async function waitUntil(
  what: string,
  ready: () => Promise<boolean>,
  watched: JvmProcess[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const jvm of watched) if (!jvm.alive) throw new Error(jvm.crashMessage());
    if (await ready()) return;
    if (Date.now() > deadline) {
      const logs = watched
        .map((jvm) => `--- ${jvm.spec.label} (${jvm.spec.logFile}):\n${logTail(jvm.spec.logFile, 25)}`)
        .join('\n');
      throw new Error(`${what} was not ready within ${timeoutMs / 1000} s\n${logs}`);
    }
    await sleep(250);
  }
}
