import type { DStreamGraph } from './dstream/dstream-graph.js';
import { GuaranteeError } from './errors.js';

/** End-to-end delivery guarantee of an output, as Spark's docs define them. */
export type DeliveryGuarantee = 'exactly-once' | 'at-least-once' | 'at-most-once';

/** What `ctx.guarantees()` says about one output operation. */
export interface OutputGuarantee {
  readonly outputId: string;
  readonly output: string;
  readonly guarantee: DeliveryGuarantee;
  /** One line per step (each source, then the output), each with its reason. */
  readonly reasons: readonly string[];
  /** The steps that keep the guarantee below exactly-once. */
  readonly weakest: readonly string[];
}

const rank: Record<DeliveryGuarantee, number> = { 'at-most-once': 0, 'at-least-once': 1, 'exactly-once': 2 };

/**
 * A source that cannot replay loses what it held when the process dies (at most once); a replayable
 * source with an output that writes again on replay gives at least once; with an idempotent or
 * transactional output, exactly once.
 */
export function computeGuarantees(graph: DStreamGraph): OutputGuarantee[] {
  return graph.outputs.map((output) => {
    const reasons: string[] = [];
    const weakest: string[] = [];
    let sourcesReplay = true;
    let duplicates = false;
    for (const input of graph.inputsOf(output.stream)) {
      const line = `source ${input.name}: ${input.replayable ? 'replayable' : 'not replayable'} (${input.reason})`;
      reasons.push(line);
      if (!input.replayable) {
        sourcesReplay = false;
        weakest.push(line);
      } else if (input.mayDuplicate) {
        duplicates = true;
        weakest.push(line);
      }
    }
    const outputLine = `output ${output.id} ${output.name}: ${output.guarantee} (${output.mechanism})`;
    reasons.push(outputLine);
    const outputExact = output.guarantee === 'idempotent' || output.guarantee === 'transactional';
    if (!outputExact) weakest.push(outputLine);
    // Records the upstream sends again (a reliable receiver's redelivery after a crash) arrive in a
    // later batch as new records: neither per-batch idempotence nor per-batch transactions undo them.
    const guarantee: DeliveryGuarantee = !sourcesReplay
      ? 'at-most-once'
      : outputExact && !duplicates
        ? 'exactly-once'
        : 'at-least-once';
    return {
      outputId: output.id,
      output: output.name,
      guarantee,
      reasons,
      weakest: guarantee === 'exactly-once' ? [] : weakest,
    };
  });
}

/** Throws a GuaranteeError naming every output below `required` and the step that breaks it. */
export function assertGuarantee(guarantees: OutputGuarantee[], required: DeliveryGuarantee): void {
  const failing = guarantees.filter((g) => rank[g.guarantee] < rank[required]);
  if (failing.length === 0) return;
  const details = failing
    .map((g) => `${g.outputId} (${g.output}) is ${g.guarantee}: ${g.weakest.join('; ')}`)
    .join(' | ');
  throw new GuaranteeError(`requireGuarantee '${required}' is not met: ${details}`);
}
