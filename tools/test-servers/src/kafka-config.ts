// Configuration files for the KRaft layouts verified in shared/real-servers/kafka.md ("Step 6").

const LAYOUT_KEYS = new Set([
  'process.roles',
  'node.id',
  'controller.quorum.voters',
  'listeners',
  'advertised.listeners',
  'controller.listener.names',
  'listener.security.protocol.map',
  'inter.broker.listener.name',
  'log.dirs',
]);

/** `key=value` lines; later lines win in Java's Properties, so user overrides go last. */
export function propertiesText(
  base: Record<string, string | number>,
  overrides: Record<string, string>,
): string {
  for (const key of Object.keys(overrides)) {
    if (LAYOUT_KEYS.has(key)) {
      throw new Error(`startKafka: property ${key} is set by the harness (it defines the node layout)`);
    }
  }
  const merged = { ...base, ...overrides };
  return `${Object.entries(merged)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

const SMALL_SERVER = {
  'group.initial.rebalance.delay.ms': 0,
  'group.min.session.timeout.ms': 1000,
  'num.network.threads': 2,
  'num.io.threads': 2,
  'num.recovery.threads.per.data.dir': 1,
  'log.retention.check.interval.ms': 300_000,
};

/** One combined broker+controller node (node id 1). */
export function combinedNode(port: number, controllerPort: number, dataDir: string) {
  return {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': dataDir,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'auto.create.topics.enable': 'true',
    'num.partitions': 1,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    ...SMALL_SERVER,
  };
}

export const CONTROLLER_NODE_ID = 100;

/** The dedicated controller of the 3-broker layout (node id 100). */
export function controllerNode(controllerPort: number, dataDir: string) {
  return {
    'process.roles': 'controller',
    'node.id': CONTROLLER_NODE_ID,
    'controller.quorum.voters': `${CONTROLLER_NODE_ID}@127.0.0.1:${controllerPort}`,
    listeners: `CONTROLLER://127.0.0.1:${controllerPort}`,
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT',
    'log.dirs': dataDir,
    // controller-side: fences a silent broker after 4 s (default 9 s); it does nothing in a broker file
    'broker.session.timeout.ms': 4000,
    // controller-side defaults for CreateTopics without explicit replicationFactor/numPartitions
    'default.replication.factor': 3,
    'num.partitions': 3,
  };
}

/** Broker `nodeId` (1..3) of the 3-broker layout. */
export function brokerNode(nodeId: number, port: number, controllerPort: number, dataDir: string) {
  return {
    'process.roles': 'broker',
    'node.id': nodeId,
    'controller.quorum.voters': `${CONTROLLER_NODE_ID}@127.0.0.1:${controllerPort}`,
    'controller.listener.names': 'CONTROLLER',
    listeners: `PLAINTEXT://127.0.0.1:${port}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': dataDir,
    'offsets.topic.replication.factor': 3,
    'offsets.topic.num.partitions': 3,
    'transaction.state.log.replication.factor': 3,
    'transaction.state.log.min.isr': 2,
    'transaction.state.log.num.partitions': 3,
    // used for auto-creation on produce/metadata
    'default.replication.factor': 3,
    'num.partitions': 3,
    'min.insync.replicas': 2,
    'broker.heartbeat.interval.ms': 500,
    ...SMALL_SERVER,
  };
}

/** 3.9 (reload4j) broker logging: INFO to stdout, noisy request loggers at WARN. */
export const LOG4J_BROKER = `log4j.rootLogger=INFO, out
log4j.appender.out=org.apache.log4j.ConsoleAppender
log4j.appender.out.Target=System.out
log4j.appender.out.layout=org.apache.log4j.PatternLayout
log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel$=WARN
log4j.logger.kafka.controller=INFO
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.controller=INFO
log4j.logger.kafka.log.LogCleaner=WARN
`;

/** 3.9 storage tool: WARN only, or it prints the whole KafkaConfig. */
export const LOG4J_TOOL = `log4j.rootLogger=WARN, out
log4j.appender.out=org.apache.log4j.ConsoleAppender
log4j.appender.out.Target=System.err
log4j.appender.out.layout=org.apache.log4j.PatternLayout
log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n
`;

/** 4.x (log4j2) broker logging. */
export const LOG4J2_BROKER = `status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = out
logger.req.name = kafka.request.logger
logger.req.level = warn
logger.rc.name = kafka.network.RequestChannel$
logger.rc.level = warn
logger.sc.name = state.change.logger
logger.sc.level = warn
logger.lc.name = kafka.log.LogCleaner
logger.lc.level = warn
`;

/** 4.x storage tool logging. */
export const LOG4J2_TOOL = `status = warn
appender.err.type = Console
appender.err.name = err
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.err.ref = err
`;
