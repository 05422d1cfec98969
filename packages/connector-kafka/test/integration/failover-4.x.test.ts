import { failoverSuite } from './failover-cases.js';

failoverSuite('4.4.0');
