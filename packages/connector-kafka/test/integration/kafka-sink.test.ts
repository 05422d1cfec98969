import { testClients } from './kafka-server.js';
import { kafkaSinkCases } from './kafka-sink-cases.js';

for (const client of testClients()) kafkaSinkCases('kafka', client);
