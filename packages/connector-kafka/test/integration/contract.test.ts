import { testClients } from './kafka-server.js';
import { contractCases } from './contract-cases.js';

for (const client of testClients()) contractCases('kafka', client);
