import { directStreamCases } from './direct-stream-cases.js';

directStreamCases('kafka');
