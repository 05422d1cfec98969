import { testClients } from './kafka-server.js';
import { rangeFetchCases } from './range-fetch-cases.js';

for (const client of testClients()) rangeFetchCases('kafka', client);
