import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { isRetriableKafkaError, kafkaErrorType } from '../src/kafka-errors.js';
import { platformaticSupported } from '../src/platformatic-api.js';

// The shapes each client gives its errors (kafkajs 2.2.4; @platformatic/kafka 2.x's GenericError,
// ProtocolError, ResponseError and MultipleErrors), as plain objects so this runs on every Node.
const kafkajsError = (type: string, retriable: boolean) =>
  Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type, retriable });
const protocolError = (apiId: string, canRetry: boolean) =>
  Object.assign(new Error(apiId), { code: 'PLT_KFK_PROTOCOL', apiId, canRetry });
const responseError = (...errors: Error[]) =>
  Object.assign(new AggregateError(errors, 'Received response with error'), { code: 'PLT_KFK_RESPONSE' });
const networkError = () =>
  Object.assign(new Error('Connection closed'), { code: 'PLT_KFK_NETWORK', canRetry: true });
const retried = (...errors: Error[]) =>
  Object.assign(new AggregateError(errors, 'fetch failed 3 times.'), { code: 'PLT_KFK_MULTIPLE' });

describe('kafkaErrorType', () => {
  it('names a kafkajs error by its type, also when wrapped', () => {
    const inner = kafkajsError('OFFSET_OUT_OF_RANGE', false);
    expect(kafkaErrorType(inner)).toBe('OFFSET_OUT_OF_RANGE');
    expect(kafkaErrorType(new Error('read failed', { cause: inner }))).toBe('OFFSET_OUT_OF_RANGE');
    expect(kafkaErrorType(Object.assign(new Error('x'), { originalError: inner }))).toBe(
      'OFFSET_OUT_OF_RANGE',
    );
  });

  it('names a platformatic error by the apiId inside its response and retry errors', () => {
    const error = retried(networkError(), responseError(protocolError('OFFSET_OUT_OF_RANGE', false)));
    expect(kafkaErrorType(error)).toBe('OFFSET_OUT_OF_RANGE');
    expect(kafkaErrorType(new Error('plain'))).toBeUndefined();
    expect(kafkaErrorType('not an error')).toBeUndefined();
  });
});

describe('isRetriableKafkaError', () => {
  it('follows kafkajs’ retriable flag and its connection errors', () => {
    expect(isRetriableKafkaError(kafkajsError('NOT_LEADER_FOR_PARTITION', true))).toBe(true);
    expect(isRetriableKafkaError(kafkajsError('TOPIC_AUTHORIZATION_FAILED', false))).toBe(false);
    expect(isRetriableKafkaError(Object.assign(new Error('x'), { name: 'KafkaJSConnectionError' }))).toBe(
      true,
    );
  });

  it('takes a platformatic network failure or stale-metadata errors as retriable, anything else not', () => {
    expect(isRetriableKafkaError(networkError())).toBe(true);
    expect(isRetriableKafkaError(retried(networkError(), networkError()))).toBe(true);
    // The library marks these canRetry: false, but a metadata or coordinator refresh fixes them.
    expect(isRetriableKafkaError(responseError(protocolError('BROKER_NOT_AVAILABLE', false)))).toBe(true);
    expect(isRetriableKafkaError(responseError(protocolError('NOT_COORDINATOR', true)))).toBe(true);
    // One fatal error among retriable ones makes the whole response fatal.
    expect(
      isRetriableKafkaError(
        responseError(
          protocolError('NOT_LEADER_OR_FOLLOWER', true),
          protocolError('OFFSET_OUT_OF_RANGE', false),
        ),
      ),
    ).toBe(false);
    expect(isRetriableKafkaError(responseError(protocolError('PRODUCER_FENCED', false)))).toBe(false);
    // A user error of the library (no Kafka error inside) is not retried.
    expect(isRetriableKafkaError(Object.assign(new Error('bad'), { code: 'PLT_KFK_USER' }))).toBe(false);
    // kafkajs errors carry numeric codes elsewhere: they are not mistaken for platformatic's.
    expect(isRetriableKafkaError(Object.assign(new Error('x'), { code: 6 }))).toBe(false);
  });

  // Where the library runs, its own error classes are classified the same way.
  if (platformaticSupported()) {
    it('classifies the errors @platformatic/kafka itself builds', async () => {
      const require = createRequire(import.meta.url);
      const lib = (await import(require.resolve('@platformatic/kafka'))) as {
        ProtocolError: new (id: string) => Error;
        ResponseError: new (
          api: number,
          version: number,
          errors: Record<string, [number, null]>,
          r: unknown,
        ) => Error;
        NetworkError: new (message: string) => Error;
      };
      const outOfRange = new lib.ResponseError(1, 17, { '/responses/0/partitions/0': [1, null] }, {});
      expect(kafkaErrorType(outOfRange)).toBe('OFFSET_OUT_OF_RANGE');
      expect(isRetriableKafkaError(outOfRange)).toBe(false);
      const notLeader = new lib.ResponseError(0, 11, { '/responses/0/partitions/0': [6, null] }, {});
      expect(kafkaErrorType(notLeader)).toBe('NOT_LEADER_OR_FOLLOWER');
      expect(isRetriableKafkaError(notLeader)).toBe(true);
      expect(isRetriableKafkaError(new lib.NetworkError('Connection closed'))).toBe(true);
    });
  }
});
