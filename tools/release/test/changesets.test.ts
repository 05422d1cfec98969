import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { versionInCopy } from '../src/changesets.js';
import { publicPackages } from '../src/packages.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const changeset = (bumps: Record<string, 'patch' | 'minor'>) =>
  `---\n${Object.entries(bumps)
    .map(([name, type]) => `"${name}": ${type}`)
    .join('\n')}\n---\n\nA change.\n`;

function inc(version: string, type: 'patch' | 'minor'): string {
  const [major, minor, patch] = version.split('.').map(Number) as [number, number, number];
  return type === 'patch' ? `${major}.${minor}.${patch + 1}` : `${major}.${minor + 1}.0`;
}

// `changeset version` on copies of the manifests (~1 s each): the repository is never versioned.
describe('changeset version', () => {
  const before = Object.fromEntries(publicPackages(root).map((p) => [p.name, p.version]));
  const bumped = (after: Record<string, string>) =>
    Object.keys(before).filter((name) => after[name] !== before[name]);

  it('bumps only the packages a changeset names, each by its own type', async () => {
    const after = await versionInCopy(root, {
      'a.md': changeset({ '@dstream/connector-file': 'patch' }),
      'b.md': changeset({ '@dstream/kafka-testkit': 'minor' }),
    });
    expect(bumped(after).sort()).toEqual(['@dstream/connector-file', '@dstream/kafka-testkit']);
    expect(after['@dstream/connector-file']).toBe(inc(before['@dstream/connector-file']!, 'patch'));
    expect(after['@dstream/kafka-testkit']).toBe(inc(before['@dstream/kafka-testkit']!, 'minor'));
  });

  it('a patch of core leaves the connectors (its peer dependents) alone', async () => {
    const after = await versionInCopy(root, { 'a.md': changeset({ '@dstream/core': 'patch' }) });
    expect(bumped(after)).toEqual(['@dstream/core']);
  });

  // The connectors' peer range covers every 0.x core, and changesets is told to bump peer
  // dependents only when a new version leaves their range: a core minor no longer forces them to 1.0.0.
  it('a minor of core bumps core alone, not its peer dependents to a new major', async () => {
    const after = await versionInCopy(root, { 'a.md': changeset({ '@dstream/core': 'minor' }) });
    expect(bumped(after)).toEqual(['@dstream/core']);
    expect(after['@dstream/core']).toBe(inc(before['@dstream/core']!, 'minor'));
  });

  it('consumes every changeset committed under .changeset, each package bumped by its own', async () => {
    const after = await versionInCopy(root, {}, true);
    expect(bumped(after).length).toBeGreaterThan(0);
    for (const name of bumped(after)) expect(after[name]!.startsWith('0.')).toBe(true);
  });
});
