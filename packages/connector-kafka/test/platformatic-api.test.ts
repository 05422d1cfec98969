import { describe, expect, it } from 'vitest';
import { ConfigError } from '@dstream/core';
import { clientProvider, defaultKafkaClient } from '../src/client-options.js';
import { platformaticClient } from '../src/platformatic-client.js';
import { loadPlatformatic, platformaticAvailable, platformaticSupported } from '../src/platformatic-api.js';

describe('platformaticSupported', () => {
  it('is true from Node 22.22 on (the engines of @platformatic/kafka 2.x)', () => {
    expect(platformaticSupported('20.20.2')).toBe(false);
    expect(platformaticSupported('22.21.9')).toBe(false);
    expect(platformaticSupported('22.22.0')).toBe(true);
    expect(platformaticSupported('24.22.3')).toBe(true);
    expect(platformaticSupported('26.0.0')).toBe(true);
  });
});

describe('loading @platformatic/kafka', () => {
  if (platformaticSupported()) {
    it('loads on this Node and says it is available', async () => {
      const lib = await loadPlatformatic();
      expect(typeof lib.Consumer).toBe('function');
      expect(await platformaticAvailable()).toBe(true);
    });
  } else {
    it('refuses on this Node with an error naming the Node version and the kafkajs client', async () => {
      await expect(loadPlatformatic()).rejects.toThrow(ConfigError);
      await expect(loadPlatformatic()).rejects.toThrow(
        new RegExp(`needs Node >= 22.22, this is Node ${process.versions.node}.*client: 'kafkajs'`),
      );
      expect(await platformaticAvailable()).toBe(false);
    });
  }
});

describe('platformaticClient', () => {
  it('refuses an empty broker list', () => {
    expect(() => platformaticClient({ brokers: [] })).toThrow(/brokers is empty/);
  });

  it('is named for logs and, once closed, refuses calls instead of reconnecting', async () => {
    const client = platformaticClient({ brokers: ['127.0.0.1:1'] });
    expect(client.name).toMatch(/^platformatic\/kafka 2\./);
    await client.close();
    await expect(client.partitions('t')).rejects.toThrow(/client was closed/);
  });
});

describe("connection options' client", () => {
  it('names the offending value when the client is not one the connector has', () => {
    expect(() =>
      clientProvider({ brokers: ['127.0.0.1:9092'], client: 'rdkafka' as 'kafkajs' }, 'kafkaSink'),
    ).toThrow("kafkaSink: client must be one of kafkajs, platformatic (got 'rdkafka')");
  });

  it('refuses platformatic with a kafkajs config instead of brokers', () => {
    expect(() =>
      clientProvider({ kafka: { brokers: ['127.0.0.1:9092'] }, client: 'platformatic' }, 'directStream'),
    ).toThrow(/client 'platformatic' is created from brokers/);
  });

  it('creates a platformatic client per executor from brokers', async () => {
    const provider = clientProvider({ brokers: ['127.0.0.1:9092'], client: 'platformatic' }, 'kafkaSink');
    const client = await provider.acquire();
    expect(client.name).toMatch(/^platformatic/);
    provider.release(client);
    await provider.close();
  });
});

describe('defaultKafkaClient', () => {
  it('is platformatic where this Node runs it and it is installed, else kafkajs', async () => {
    expect(defaultKafkaClient()).toBe((await platformaticAvailable()) ? 'platformatic' : 'kafkajs');
  });

  it('is what a source or sink made from brokers alone gets; a kafkajs config keeps kafkajs', async () => {
    const fromBrokers = clientProvider({ brokers: ['127.0.0.1:9092'] }, 'kafkaSink');
    const client = await fromBrokers.acquire();
    expect(client.name.startsWith(defaultKafkaClient() === 'platformatic' ? 'platformatic' : 'kafkajs')).toBe(
      true,
    );
    fromBrokers.release(client);
    await fromBrokers.close();
    const fromConfig = clientProvider({ kafka: { brokers: ['127.0.0.1:9092'] } }, 'kafkaSink');
    const kafkajsOne = await fromConfig.acquire();
    expect(kafkajsOne.name).toBe('kafkajs 2.2.4');
    fromConfig.release(kafkajsOne);
    await fromConfig.close();
  });
});
