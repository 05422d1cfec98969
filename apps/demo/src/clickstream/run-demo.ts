import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BatchInfo, type Logger, StreamingContext, consoleLogger } from '@dstream/core';
import { KafkaTestCluster } from '@dstream/kafka-testkit';
import { chooseOutputs, describeOutputs } from './choose-servers.js';
import { type ClickstreamStreams, clickstreamJob } from './clickstream-job.js';
import { type ClickstreamGenerator, startClickstreamGenerator } from './clickstream-generator.js';
import type { DemoOptions } from './cli-options.js';
import { progressListener } from './progress-line.js';
import { type RunConfig, readRunConfig, runNames, writeRunConfig } from './run-config.js';
import { prepareOutputs } from './setup.js';
import { StatusModel } from './status-model.js';
import { type StatusServer, startStatusServer } from './status-server.js';
import { verifyRun } from './verify.js';

type Stoppable = { stop(): Promise<void> };

/** Runs the demo until a signal, `--duration` or `--exit-when-drained`; resolves with the exit code. */
export async function runDemo(
  options: DemoOptions,
  write: (line: string) => void = console.log,
): Promise<number> {
  const started: Stoppable[] = []; // servers this process started, stopped last
  const runDir = resolve(options.runDir ?? (await mkdtemp(join(tmpdir(), 'dstream-demo-'))));
  let config = await readRunConfig(runDir);
  const resumed = config !== undefined;
  if (config !== undefined) {
    if (config.embeddedKafka)
      throw new Error(`${runDir} was a run on the embedded Kafka, which is gone: use a fresh --run-dir`);
    write(`dstream demo: resuming run ${config.runId} from ${runDir} (checkpoint ${config.checkpointDir})`);
  } else {
    config = await newRun(options, runDir, started, write);
    await writeRunConfig(runDir, config);
  }
  for (const line of describeOutputs(config.outputs)) write(line);
  await prepareOutputs(config);

  const generator: ClickstreamGenerator = await startClickstreamGenerator({
    brokers: config.brokers,
    topic: config.topics.input,
    partitions: config.partitions,
    seed: config.seed,
    rate: options.rate,
    ...(options.events === undefined ? {} : { maxEvents: options.events }),
  });
  write(
    `generator: ${options.rate} events/s into '${config.topics.input}' (${config.partitions} partitions, seed ${config.seed}${options.events ? `, until ${options.events} events` : ''})`,
  );

  let streams: ClickstreamStreams | undefined;
  let context: StreamingContext | undefined;
  const runConfig = config;
  const model = new StatusModel('Clickstream', config.batchInterval, () => context?.guarantees() ?? [], [
    `Kafka direct stream of '${config.topics.input}' (${config.partitions} partitions) at ${config.brokers.join(',')}`,
  ]);
  const logger = statusLogger(model);
  const ctx = await StreamingContext.getOrCreate(config.checkpointDir, () => {
    const c = new StreamingContext({
      batchInterval: runConfig.batchInterval,
      appName: 'Clickstream',
      logger,
      listeners: [model],
      out: (text) => write(text.replace(/\n$/, '')),
    });
    // Every batch: the windows and per-user state are restored exactly where they were.
    c.checkpoint(runConfig.checkpointDir, { interval: runConfig.batchInterval });
    streams = clickstreamJob(c, runConfig);
    streams.leaderboard.print(8);
    return c;
  });

  let emptyAfterDone = 0;
  let finish: (reason: string) => void = () => undefined;
  const finished = new Promise<string>((r) => {
    finish = r;
  });
  const drainBatches = config.slideMs / config.batchInterval + 1;
  context = ctx;
  ctx.addStreamingListener(
    progressListener(
      config.batchInterval,
      () => `malformed ${streams?.malformed.value ?? 0} | generated ${generator.total}`,
      write,
      (info: BatchInfo) => {
        emptyAfterDone = generator.done && info.numRecords === 0 ? emptyAfterDone + 1 : 0;
        if (options.exitWhenDrained && emptyAfterDone >= drainBatches) finish('drained');
      },
    ),
  );
  let status: StatusServer | undefined;
  if (options.statusPort !== undefined) {
    status = await startStatusServer(model, 'Clickstream', options.statusPort, options.statusHost);
    write(`status page: ${status.url}`);
  }
  for (const g of ctx.guarantees()) write(`  output ${g.output}: ${g.guarantee}`);

  const onSigint = (): void => finish('SIGINT');
  const onSigterm = (): void => finish('SIGTERM');
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);
  if (options.duration !== undefined)
    setTimeout(() => finish(`${options.duration} ms elapsed`), options.duration).unref();

  await ctx.start();
  write(`run ${config.runId} in ${runDir}; Ctrl-C stops gracefully\n`);
  const reason = await finished;
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigterm);
  write(`\n${reason}: stopping gracefully (finishing the batches already generated)…`);
  await generator.stop();
  await ctx.stop({ graceful: true });
  write(
    `stopped; the input topic holds ${generator.total} events, ${streams?.malformed.value ?? 0} malformed ones dead-lettered in this process`,
  );

  let code = 0;
  if (options.verify) {
    const report = await verifyRun(config, { drained: reason === 'drained' });
    const checks = [...report.checks];
    if (!resumed && reason === 'drained') {
      // One uninterrupted process saw every batch once: its accumulator must count every dead letter.
      const counted = streams?.malformed.value ?? 0;
      checks.push({
        name: 'malformed accumulator',
        ok: counted === report.malformedEvents,
        detail: `${counted} counted, ${report.malformedEvents} malformed events in the input`,
      });
    }
    for (const c of checks) write(`${c.ok ? 'OK  ' : 'FAIL'} ${c.name}: ${c.detail}`);
    const ok = checks.every((c) => c.ok);
    write(ok ? 'verify: every output matches the generator' : 'verify: FAILED');
    code = ok ? 0 : 1;
  }
  await status?.close();
  for (const s of started.reverse()) await s.stop().catch(() => undefined);
  return code;
}

async function newRun(
  options: DemoOptions,
  runDir: string,
  started: Stoppable[],
  write: (line: string) => void,
): Promise<RunConfig> {
  const runId = randomBytes(4).toString('hex');
  write(`dstream demo: clickstream run ${runId}${options.real ? ' on real servers' : ''}`);
  let brokers: string[];
  let embeddedKafka = false;
  if (options.kafka !== undefined) {
    brokers = options.kafka.split(',');
    write(`  kafka     → Kafka at ${brokers.join(',')}`);
  } else if (options.real) {
    const { startKafka } = await import('@dstream/test-servers');
    write('  kafka     → starting Apache Kafka 3.9.1 (KRaft) from tools/test-servers…');
    const kafka = await startKafka({ brokers: 1 });
    started.push(kafka);
    brokers = [...kafka.bootstrap];
    write(`  kafka     → Apache Kafka at ${brokers.join(',')}`);
  } else {
    const cluster = await KafkaTestCluster.start({ brokers: 1 });
    started.push(cluster);
    brokers = [...cluster.bootstrap];
    embeddedKafka = true;
    write(`  kafka     → embedded @dstream/kafka-testkit broker at ${brokers.join(',')}`);
  }
  let zookeeper = options.zookeeper;
  if (zookeeper === undefined && options.real) {
    const { startHBase } = await import('@dstream/test-servers');
    write('  hbase     → starting Apache HBase 2.6.4 (local mode) from tools/test-servers…');
    const hbase = await startHBase({ mode: 'local', regionServers: 1 });
    started.push(hbase);
    zookeeper = hbase.zookeeper;
  }
  const outputs = await chooseOutputs(
    {
      real: options.real,
      zookeeper,
      noRedis: options.noRedis,
      noMysql: options.noMysql,
      redis: options.redis,
      mysql: options.mysql,
    },
    runDir,
  );
  return {
    runId,
    seed: options.seed,
    partitions: 3,
    batchInterval: options.batchInterval,
    windowMs: options.batchInterval * 10,
    slideMs: options.batchInterval * 5,
    brokers,
    embeddedKafka,
    ...runNames(runId),
    outputs,
    checkpointDir: join(runDir, 'checkpoint'),
  };
}

/** The engine's and connectors' warnings go to stderr as usual, and to the status page. */
function statusLogger(model: StatusModel): Logger {
  return {
    debug: consoleLogger.debug,
    info: consoleLogger.info,
    warn(message, fields) {
      consoleLogger.warn(message, fields);
      model.error(Date.now(), 'warning', message);
    },
    error(message, fields) {
      consoleLogger.error(message, fields);
      model.error(Date.now(), 'error', message);
    },
  };
}
