import { fileURLToPath } from 'node:url';
import { releaseCheck } from './check.js';

// npm run release:check [-- --skip-build] [-- --keep]
const root = fileURLToPath(new URL('../../..', import.meta.url));
const args = new Set(process.argv.slice(2));
const report = await releaseCheck(root, {
  skipBuild: args.has('--skip-build'),
  keep: args.has('--keep'),
  log: (line) => console.log(line),
});
if (report.failures.length > 0) {
  console.error(`\nrelease check failed (${report.failures.length}):\n`);
  for (const failure of report.failures) console.error(`- ${failure}\n`);
  process.exitCode = 1;
} else {
  console.log(`\nrelease check passed for ${report.packages.length} packages`);
}
