import { contractCases } from './contract-cases.js';

contractCases('kafka');
