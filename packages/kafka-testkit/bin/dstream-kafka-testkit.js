#!/usr/bin/env node
// Runs the built CLI (npm run build first when working from the repository: `npx tsx src/cli.ts` runs the source).
import '../dist/cli.js';
