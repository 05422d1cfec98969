import { rangeFetchCases } from './range-fetch-cases.js';

rangeFetchCases('kafka');
