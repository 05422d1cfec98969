import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classDataArchive, useClassDataArchive } from './class-data-sharing.js';
import { ensureJars, type JarSet } from './jar-cache.js';
import { requireJava } from './java-tools.js';
import { type JvmExit, JvmProcess } from './jvm-process.js';
import {
  brokerNode,
  CONTROLLER_NODE_ID,
  combinedNode,
  controllerNode,
  LOG4J_BROKER,
  LOG4J_TOOL,
  LOG4J2_BROKER,
  LOG4J2_TOOL,
  propertiesText,
} from './kafka-config.js';
import { waitForBrokers } from './kafka-readiness.js';
import { freePorts } from './ports.js';
import { trackDir, untrackDir } from './process-reaper.js';

export type KafkaVersion = '3.9.1' | '4.4.0';
export const KAFKA_VERSIONS: readonly KafkaVersion[] = ['3.9.1', '4.4.0'];

export interface KafkaBroker {
  nodeId: number;
  host: string;
  port: number;
  /** The JVM's pid while it runs, else undefined. */
  pid: number | undefined;
  alive: boolean;
}

export interface KafkaCluster {
  version: string;
  /** `['127.0.0.1:PORT', ...]`, one entry per broker. */
  bootstrap: string[];
  brokers: KafkaBroker[];
  /** Sends `signal` (default SIGKILL) to one broker and waits for its exit. */
  killBroker(nodeId: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped broker again on the same port and data dir; resolves once Metadata lists it. */
  restartBroker(nodeId: number): Promise<void>;
  /** Stops exactly the JVMs this cluster started and removes its temp dir. */
  stop(): Promise<void>;
}

export interface StartKafkaOptions {
  /** 1 (one combined broker+controller, node id 1) or 3 (brokers 1-3 and a controller, node id 100). */
  brokers?: 1 | 3;
  version?: KafkaVersion;
  /** Max heap of each broker JVM (default 512; the controller of the 3-broker layout gets 256). */
  heapMb?: number;
  /** Extra server properties for every node, e.g. `{ 'log.segment.bytes': '1048576' }`. */
  properties?: Record<string, string>;
}

export const kafkaJarSet = (version: KafkaVersion): JarSet => ({
  pomDir: version.startsWith('3.') ? 'kafka' : 'kafka4',
  name: `kafka-${version}`,
});

// generous: four JVMs starting at once on 2 busy cores took up to 45 s here
const START_TIMEOUT_MS = 120_000;

interface KafkaNode {
  nodeId: number;
  isBroker: boolean;
  port: number;
  heapMb: number;
  propsFile: string;
  dataDir: string;
  jvm: JvmProcess | undefined;
}

class PortInUseError extends Error {}

/** Starts a fresh KRaft Kafka from Maven Central jars in a new temp dir on free loopback ports. */
export async function startKafka(options: StartKafkaOptions = {}): Promise<KafkaCluster> {
  return startKafkaWith(options, { jvmFlags: kafkaArchiveFlags, stopGraceMs: 10_000 });
}

/** Knobs for this package's own use (the prefetch script records the class-data archive with them). */
export interface KafkaInternals {
  jvmFlags(lib: string): string[];
  stopGraceMs: number;
  onNodeExit?(exit: JvmExit): void;
}

/** The class-data archive of a Kafka jar set (made by `npm run prefetch`). */
export const kafkaArchive = (lib: string) => classDataArchive(lib, 'kafka');
export const kafkaArchiveFlags = (lib: string) => useClassDataArchive(kafkaArchive(lib));

export async function startKafkaWith(
  options: StartKafkaOptions,
  internal: KafkaInternals,
): Promise<KafkaCluster> {
  const version = options.version ?? '3.9.1';
  const brokers = options.brokers ?? 1;
  if (!KAFKA_VERSIONS.includes(version)) {
    throw new Error(`startKafka: version ${String(version)} is not one of ${KAFKA_VERSIONS.join(', ')}`);
  }
  if (brokers !== 1 && brokers !== 3) throw new Error(`startKafka: brokers must be 1 or 3, got ${brokers}`);
  const heapMb = options.heapMb ?? 512;
  if (!Number.isInteger(heapMb) || heapMb < 128) throw new Error(`startKafka: heapMb ${heapMb} is below 128`);
  propertiesText({}, options.properties ?? {}); // rejects layout keys before anything starts
  requireJava();
  const lib = await ensureJars(kafkaJarSet(version));
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(version, brokers, heapMb, options.properties ?? {}, lib, internal);
    } catch (error) {
      // another process took one of our ports between the check and the JVM's bind: new ports
      if (error instanceof PortInUseError && attempt < 3) continue;
      throw error;
    }
  }
}

async function startOnce(
  version: KafkaVersion,
  brokerCount: 1 | 3,
  heapMb: number,
  properties: Record<string, string>,
  lib: string,
  internal: KafkaInternals,
): Promise<KafkaCluster> {
  const run = await mkdtemp(join(tmpdir(), `dstream-kafka-${version}-`));
  trackDir(run);
  const v4 = !version.startsWith('3.');
  const brokerLog = join(run, v4 ? 'log4j2.properties' : 'log4j.properties');
  const toolLog = join(run, v4 ? 'log4j2-tool.properties' : 'log4j-tool.properties');
  await writeFile(brokerLog, v4 ? LOG4J2_BROKER : LOG4J_BROKER);
  await writeFile(toolLog, v4 ? LOG4J2_TOOL : LOG4J_TOOL);
  const logOption = (file: string) =>
    v4 ? `-Dlog4j2.configurationFile=${file}` : `-Dlog4j.configuration=file:${file}`;

  const nodes: KafkaNode[] = [];
  if (brokerCount === 1) {
    const [port, controllerPort] = (await freePorts(2)) as [number, number];
    const dataDir = join(run, 'data');
    nodes.push(
      await writeNode(run, 1, true, port, heapMb, combinedNode(port, controllerPort, dataDir), properties),
    );
  } else {
    const [controllerPort, ...ports] = (await freePorts(4)) as [number, number, number, number];
    const controllerDir = join(run, `c${CONTROLLER_NODE_ID}`);
    nodes.push(
      await writeNode(
        run,
        CONTROLLER_NODE_ID,
        false,
        controllerPort,
        256,
        controllerNode(controllerPort, controllerDir),
        properties,
      ),
    );
    for (const [index, port] of ports.entries()) {
      const nodeId = index + 1;
      const props = brokerNode(nodeId, port, controllerPort, join(run, `b${nodeId}`));
      nodes.push(await writeNode(run, nodeId, true, port, heapMb, props, properties));
    }
  }
  const brokerNodes = nodes.filter((node) => node.isBroker);
  const bootstrap = brokerNodes.map((node) => `127.0.0.1:${node.port}`);

  const launch = (node: KafkaNode) => {
    node.jvm = new JvmProcess({
      label: `kafka ${version} ${node.isBroker ? 'broker' : 'controller'} ${node.nodeId}`,
      args: [
        `-Xms${Math.min(256, node.heapMb)}m`,
        `-Xmx${node.heapMb}m`,
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-XX:+ExplicitGCInvokesConcurrent',
        '-XX:TieredStopAtLevel=1',
        '-XX:-UsePerfData',
        ...internal.jvmFlags(lib),
        '-Djava.awt.headless=true',
        '-Djava.net.preferIPv4Stack=true',
        logOption(brokerLog),
        '-cp',
        `${lib}/*`,
        'kafka.Kafka',
        node.propsFile,
      ],
      logFile: join(run, `node-${node.nodeId}.log`),
      pidFile: join(run, `node-${node.nodeId}.pid`),
      owns: [node.propsFile],
    });
    if (internal.onNodeExit) node.jvm.exited.then(internal.onNodeExit);
    return node.jvm;
  };

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // brokers first, then the controller, as a real cluster is shut down
    await Promise.all(brokerNodes.map((node) => node.jvm?.kill('SIGTERM', internal.stopGraceMs)));
    await Promise.all(nodes.map((node) => node.jvm?.kill('SIGTERM', internal.stopGraceMs)));
    await rm(run, { recursive: true, force: true });
    untrackDir(run);
  };

  try {
    const clusterId = newClusterId();
    await Promise.all(nodes.map((node) => formatStorage(lib, logOption(toolLog), clusterId, node.propsFile)));
    const jvms = nodes.map(launch);
    await waitForBrokers(
      bootstrap,
      brokerNodes.map((node) => node.nodeId),
      jvms,
      START_TIMEOUT_MS,
    );
  } catch (error) {
    await stop();
    const message = error instanceof Error ? error.message : String(error);
    if (/Address already in use|BindException/.test(message)) throw new PortInUseError(message);
    throw error;
  }

  const brokerNode_ = (nodeId: number): KafkaNode => {
    const node = brokerNodes.find((candidate) => candidate.nodeId === nodeId);
    if (!node) {
      throw new Error(
        `no broker ${nodeId} in this cluster (brokers: ${brokerNodes.map((b) => b.nodeId).join(', ')})`,
      );
    }
    return node;
  };

  return {
    version,
    bootstrap,
    brokers: brokerNodes.map((node) => ({
      nodeId: node.nodeId,
      host: '127.0.0.1',
      port: node.port,
      get pid() {
        return node.jvm?.pid;
      },
      get alive() {
        return node.jvm?.alive ?? false;
      },
    })),
    async killBroker(nodeId, signal = 'SIGKILL') {
      await brokerNode_(nodeId).jvm?.kill(signal, 30_000);
    },
    async restartBroker(nodeId) {
      if (stopped) throw new Error('restartBroker: the cluster was stopped');
      const node = brokerNode_(nodeId);
      if (node.jvm?.alive)
        throw new Error(`restartBroker: broker ${nodeId} is still running (pid ${node.jvm.pid})`);
      const jvm = launch(node);
      const others = nodes.filter((other) => other !== node && other.jvm?.alive).map((other) => other.jvm);
      await waitForBrokers(
        [`127.0.0.1:${node.port}`],
        [nodeId],
        [jvm, ...(others as JvmProcess[])],
        START_TIMEOUT_MS,
      );
    },
    stop,
  };
}

async function writeNode(
  run: string,
  nodeId: number,
  isBroker: boolean,
  port: number,
  heapMb: number,
  props: Record<string, string | number>,
  overrides: Record<string, string>,
): Promise<KafkaNode> {
  const propsFile = join(run, `node-${nodeId}.properties`);
  await writeFile(propsFile, propertiesText(props, overrides));
  return { nodeId, isBroker, port, heapMb, propsFile, dataDir: String(props['log.dirs']), jvm: undefined };
}

/** 22-character base64url id; one starting with '-' would be read as an option by the storage tool. */
function newClusterId(): string {
  let id: string;
  do id = randomBytes(16).toString('base64url');
  while (id.startsWith('-'));
  return id;
}

/** `kafka.tools.StorageTool format` (static quorum voters, so no --standalone on 3.9 or 4.x). */
function formatStorage(lib: string, logOption: string, clusterId: string, propsFile: string): Promise<void> {
  const args = [
    '-Xmx256m',
    '-XX:TieredStopAtLevel=1',
    '-XX:-UsePerfData',
    ...kafkaArchiveFlags(lib),
    logOption,
    '-cp',
    `${lib}/*`,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    propsFile,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new Error(`formatting Kafka storage for ${propsFile} failed (exit ${code}):\n${output.trim()}`),
        );
    });
  });
}
