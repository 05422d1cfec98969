import { createRequire } from 'node:module';
import { committedMessages } from './committed-records.js';
import type { FetchPartitionData } from './kafkajs-internals.js';

const require = createRequire(import.meta.url);
const patched = Symbol.for('dstream.kafkajs.broker.readCommitted.patched');

interface BrokerPrototype {
  fetch?: (this: unknown, request: unknown) => Promise<FetchResponse>;
  [patched]?: true;
}
interface FetchResponse {
  responses?: Array<{ partitions?: FetchPartitionData[] }>;
}

/**
 * kafkajs 2.2.4's consumer drops aborted transactional records with a filter that activates one
 * aborted transaction per record, in the broker's (abort-time) order, so with several producers on
 * a partition it hands records of aborted transactions to `eachBatch` as committed (see
 * committed-records.ts). This wraps its broker's fetch: records outside the read_committed view are
 * flagged as control records — kafkajs skips those but still advances its position past them — and
 * the aborted list is emptied so its own filter has nothing left to get wrong. Idempotent; affects
 * every kafkajs consumer in the process, which only ever makes them read what Kafka committed.
 */
export function patchKafkajsReadCommitted(): void {
  let brokerClass: { prototype: BrokerPrototype } | undefined;
  try {
    brokerClass = require('kafkajs/src/broker') as { prototype: BrokerPrototype };
  } catch {
    return;
  }
  const proto = brokerClass.prototype;
  const fetch = proto.fetch;
  if (proto[patched] === true || typeof fetch !== 'function') return;
  proto.fetch = async function fetchReadCommitted(this: unknown, request: unknown) {
    const response = await fetch.call(this, request);
    for (const topic of response.responses ?? []) {
      for (const partition of topic.partitions ?? []) markAborted(partition);
    }
    return response;
  };
  proto[patched] = true;
}

function markAborted(partition: FetchPartitionData): void {
  const aborted = partition.abortedTransactions;
  if (aborted === undefined || aborted.length === 0) return;
  const kept = new Set(committedMessages(partition.messages, aborted));
  for (const message of partition.messages) {
    if (!message.isControlRecord && !kept.has(message)) message.isControlRecord = true;
  }
  partition.abortedTransactions = [];
}
