import { createRequire } from 'node:module';
import type { Kafka, KafkaConfig } from 'kafkajs';
import { type ClientProvider, ConfigError, perExecutor } from '@dstream/core';
import type { KafkaClient, KafkaConsumerSettings } from './kafka-client.js';
import { type KafkajsClientOptions, kafkajsClient } from './kafkajs-client.js';
import { platformaticClient } from './platformatic-client.js';
import { platformaticSupported } from './platformatic-api.js';

/** The client libraries the connector has an adapter for. */
export type KafkaClientName = 'kafkajs' | 'platformatic';
const CLIENTS: readonly KafkaClientName[] = ['kafkajs', 'platformatic'];

let installed: boolean | undefined;
/**
 * The client the connector uses when none is named: @platformatic/kafka where this Node runs it
 * (>= 22.22) and it is installed, else kafkajs. Both lose nothing in the failover tests; through
 * the connector platformatic moved Kafka → map → Kafka about 2.7× as fast (see the README).
 */
export function defaultKafkaClient(): KafkaClientName {
  if (!platformaticSupported()) return 'kafkajs';
  if (installed === undefined) {
    try {
      createRequire(import.meta.url).resolve('@platformatic/kafka');
      installed = true;
    } catch {
      installed = false;
    }
  }
  return installed ? 'platformatic' : 'kafkajs';
}

/** The ways to say which Kafka to talk to; give exactly one. */
export interface KafkaConnectionOptions {
  /** Bootstrap brokers, e.g. ['127.0.0.1:9092']: a client (see `client`) is created per executor. */
  brokers?: readonly string[];
  /**
   * Which client library the connector creates from `brokers`: 'platformatic' (@platformatic/kafka
   * 2.x, an optional dependency that needs Node >= 22.22) or 'kafkajs' (2.2.4). Default
   * `defaultKafkaClient()`: platformatic where it runs and is installed, else kafkajs.
   */
  client?: KafkaClientName;
  /** A kafkajs `Kafka` instance or its config (SSL, SASL, clientId are kept). */
  kafka?: Kafka | KafkaConfig;
  /** A client provider of your own (e.g. `perExecutor(() => kafkajsClient(...))`). */
  provider?: ClientProvider<KafkaClient>;
  /** Settings of the kafkajs adapter when the connector creates the client. */
  kafkajs?: KafkajsClientOptions;
  /** Consumer settings with kafkajs' names (session timeout, heartbeat, fetch wait and sizes). */
  consumer?: KafkaConsumerSettings;
  /** `request.timeout.ms` of the client the connector creates from `brokers`. kafkajs default 30 000. */
  requestTimeout?: number;
  /** Connection timeout (ms) of the client the connector creates from `brokers`. kafkajs default 1000. */
  connectionTimeout?: number;
  /** clientId of the client the connector creates from `brokers`. Default 'dstream'. */
  clientId?: string;
}

const adapterOptions = (options: KafkaConnectionOptions): KafkajsClientOptions => {
  const consumer = options.consumer;
  return {
    ...(consumer?.maxWaitTimeInMs === undefined ? {} : { maxWaitTimeInMs: consumer.maxWaitTimeInMs }),
    ...(consumer?.maxBytesPerPartition === undefined
      ? {}
      : { maxBytesPerPartition: consumer.maxBytesPerPartition }),
    ...(consumer === undefined ? {} : { consumer }),
    ...options.kafkajs,
  };
};

/** The per-executor singleton client for these options (the seeds' lazily created, per-executor producer). */
export function clientProvider(options: KafkaConnectionOptions, what: string): ClientProvider<KafkaClient> {
  const given = [options.brokers, options.kafka, options.provider].filter((x) => x !== undefined).length;
  if (given !== 1) {
    throw new ConfigError(`${what}: give exactly one of brokers, kafka or provider (got ${given})`);
  }
  // A kafkajs instance or config names its client; otherwise the measured default.
  const client = options.client ?? (options.kafka !== undefined ? 'kafkajs' : defaultKafkaClient());
  if (!CLIENTS.includes(client)) {
    throw new ConfigError(`${what}: client must be one of ${CLIENTS.join(', ')} (got '${String(client)}')`);
  }
  if (options.provider !== undefined) return options.provider;
  if (client === 'platformatic' && options.brokers === undefined) {
    throw new ConfigError(
      `${what}: client 'platformatic' is created from brokers (kafka is a kafkajs config)`,
    );
  }
  if (options.brokers !== undefined) {
    if (options.brokers.length === 0) throw new ConfigError(`${what}: brokers is empty`);
    const brokers = [...options.brokers];
    if (client === 'platformatic') {
      const consumer = options.consumer;
      return perExecutor(
        () =>
          platformaticClient({
            brokers,
            clientId: options.clientId ?? 'dstream',
            ...(options.requestTimeout === undefined ? {} : { requestTimeout: options.requestTimeout }),
            ...(options.connectionTimeout === undefined ? {} : { connectTimeout: options.connectionTimeout }),
            ...(consumer?.maxWaitTimeInMs === undefined ? {} : { maxWaitTimeInMs: consumer.maxWaitTimeInMs }),
            ...(consumer?.maxBytesPerPartition === undefined
              ? {}
              : { maxBytesPerPartition: consumer.maxBytesPerPartition }),
            ...(consumer === undefined ? {} : { consumer }),
          }),
        { close: (c) => c.close() },
      );
    }
    const config: KafkaConfig = {
      brokers,
      clientId: options.clientId ?? 'dstream',
      ...(options.requestTimeout === undefined ? {} : { requestTimeout: options.requestTimeout }),
      ...(options.connectionTimeout === undefined ? {} : { connectionTimeout: options.connectionTimeout }),
    };
    return perExecutor(() => kafkajsClient(config, adapterOptions(options)), {
      close: (c) => c.close(),
    });
  }
  const kafka = options.kafka!;
  return perExecutor(() => kafkajsClient(kafka, adapterOptions(options)), { close: (c) => c.close() });
}
