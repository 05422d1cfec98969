import { kafkaSinkCases } from './kafka-sink-cases.js';

kafkaSinkCases('kafka');
