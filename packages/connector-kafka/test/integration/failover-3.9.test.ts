import { failoverSuite } from './failover-cases.js';

failoverSuite('3.9.1');
