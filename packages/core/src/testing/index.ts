export {
  collect,
  collectBatches,
  createTestContext,
  runJob,
  sortedBatches,
  testOperation,
} from './test-context.js';
export type { TestContext } from './test-context.js';
export { describeSinkContract, describeSourceContract } from './contract-suites.js';
export type { SinkHarness, SourceHarness } from './contract-suites.js';
