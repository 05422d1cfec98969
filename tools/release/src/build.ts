import { join } from 'node:path';
import { describeFailure, exec } from './exec.js';

/** `turbo run build` of the named packages (and what they depend on); cached outputs are reused. */
export async function build(root: string, names: readonly string[]): Promise<void> {
  const filters = names.map((name) => `--filter=${name}`);
  const result = await exec(join(root, 'node_modules', '.bin', 'turbo'), ['run', 'build', ...filters], {
    cwd: root,
    timeoutMs: 600_000,
  });
  if (result.code !== 0) throw new Error(describeFailure('turbo run build', result));
}
