/** The parts of a package README the release check runs. */
export interface ReadmeExample {
  /** The README's first ```ts block, verbatim: the example the check compiles and runs. */
  readonly code: string;
  /** Packages the README's first `npm install` line names besides @dstream ones (e.g. kafkajs). */
  readonly extraInstalls: readonly string[];
}

/** Reads the example and install line of a README; throws naming the file when one is missing. */
export function readmeExample(readme: string, file: string): ReadmeExample {
  const block = /^```ts\n([\s\S]*?)^```$/m.exec(readme);
  if (block === null) throw new Error(`${file} has no \`\`\`ts block: the first one is its runnable example`);
  const install = /^npm install (.+)$/m.exec(readme);
  if (install === null) throw new Error(`${file} has no \`npm install\` line`);
  const extraInstalls = install[1]!
    .replace(/\s#.*$/, '')
    .split(/\s+/)
    .filter((word) => word !== '' && !word.startsWith('-') && !word.startsWith('#'))
    .filter((word) => !word.startsWith('@dstream/'));
  return { code: block[1]!, extraInstalls };
}
