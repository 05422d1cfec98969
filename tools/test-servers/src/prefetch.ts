// `npm run prefetch -w @dstream/test-servers`: fills the jar cache for every server the tests use, so
// later runs (and CI's test step) never need Maven or the network.
import { readdirSync } from 'node:fs';
import { ensureJars, jarSetDir } from './jar-cache.js';
import { requireJava } from './java-tools.js';
import { hbaseJarSet } from './hbase-config.js';
import { KAFKA_VERSIONS, kafkaJarSet } from './start-kafka.js';

requireJava();
for (const set of [...KAFKA_VERSIONS.map(kafkaJarSet), hbaseJarSet]) {
  const started = Date.now();
  const lib = await ensureJars(set);
  const jars = readdirSync(lib).filter((name) => name.endsWith('.jar')).length;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`${set.name}: ${jars} jars in ${jarSetDir(set)} (${seconds} s)`);
}
