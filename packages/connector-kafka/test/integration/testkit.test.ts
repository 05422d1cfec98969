import { testClients } from './kafka-server.js';
import { contractCases } from './contract-cases.js';
import { directStreamCases } from './direct-stream-cases.js';
import { kafkaSinkCases } from './kafka-sink-cases.js';
import { rangeFetchCases } from './range-fetch-cases.js';
import { transactionalSinkCases } from './transactional-sink-cases.js';

// The fast cases again, against the in-process @dstream/kafka-testkit broker: users who test their
// jobs on the testkit get the behaviour these tests check on real Kafka.
for (const client of testClients()) {
  kafkaSinkCases('testkit', client);
  transactionalSinkCases('testkit', client);
  directStreamCases('testkit', client);
  contractCases('testkit', client);
  rangeFetchCases('testkit', client);
}
