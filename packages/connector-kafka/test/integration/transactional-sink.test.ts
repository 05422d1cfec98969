import { transactionalSinkCases } from './transactional-sink-cases.js';

transactionalSinkCases('kafka');
