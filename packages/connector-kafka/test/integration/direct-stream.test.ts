import { testClients } from './kafka-server.js';
import { directStreamCases } from './direct-stream-cases.js';

for (const client of testClients()) directStreamCases('kafka', client);
