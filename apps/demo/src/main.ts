import { UsageError, parseDemoOptions, usage } from './clickstream/cli-options.js';
import { runDemo } from './clickstream/run-demo.js';

let code: number;
try {
  code = await runDemo(parseDemoOptions(process.argv.slice(2)));
} catch (error) {
  if (error instanceof UsageError) {
    if (error.message) console.error(`${error.message}\n`);
    console.error(usage);
    code = error.message ? 2 : 0;
  } else {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    code = 1;
  }
}
// Clients that linger (kafkajs timers, sockets) must not keep a stopped demo alive.
process.exit(code);
