import { testClients } from './kafka-server.js';
import { transactionalSinkCases } from './transactional-sink-cases.js';

for (const client of testClients()) transactionalSinkCases('kafka', client);
