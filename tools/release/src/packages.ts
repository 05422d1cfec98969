import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The fields of a package.json the release check reads. */
export interface PackageManifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly bin?: string | Readonly<Record<string, string>>;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
}

/** The files a manifest's `bin` field points at. */
export function binFiles(manifest: PackageManifest): string[] {
  if (manifest.bin === undefined) return [];
  return typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin);
}

/** A workspace package npm would publish. */
export interface PublicPackage {
  readonly name: string;
  readonly version: string;
  /** Absolute path of the package's directory. */
  readonly dir: string;
  readonly manifest: PackageManifest;
}

/** Every non-private package under `<root>/packages`, sorted by name. */
export function publicPackages(root: string): PublicPackage[] {
  const packagesDir = join(root, 'packages');
  const found: PublicPackage[] = [];
  for (const entry of readdirSync(packagesDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(packagesDir, entry.name);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageManifest;
    if (manifest.private === true) continue;
    found.push({ name: manifest.name, version: manifest.version, dir, manifest });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}
