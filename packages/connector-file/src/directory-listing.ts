import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isHiddenOrTemporary } from './file-names.js';

/** One entry of a listing: its name relative to the source directory, `/`-separated. */
export interface ListedFile {
  readonly name: string;
  /** False when the entry type needs a stat to know (symbolic links, some filesystems). */
  readonly knownFile: boolean;
}

/**
 * Lists the candidate files of `directory` with one readdir per directory and no stat: hidden and
 * temporary names are dropped here, directories are entered only when `recursive` (and never hidden
 * ones, so a writer may build a whole subtree under `.name` or `_name` and rename it in).
 */
export async function listDirectory(directory: string, recursive: boolean): Promise<ListedFile[]> {
  const out: ListedFile[] = [];
  await walk(directory, '', recursive, out, true);
  return out;
}

async function walk(
  directory: string,
  prefix: string,
  recursive: boolean,
  out: ListedFile[],
  top: boolean,
): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(prefix === '' ? directory : join(directory, prefix), { withFileTypes: true });
  } catch (error) {
    // A subdirectory removed while we walk is not an error; the top directory missing is.
    if (!top && isGone(error)) return;
    throw error;
  }
  for (const entry of entries) {
    const segment = entry.name;
    if (isHiddenOrTemporary(segment)) continue;
    const name = prefix === '' ? segment : `${prefix}/${segment}`;
    if (entry.isDirectory()) {
      if (recursive) await walk(directory, name, recursive, out, false);
      continue;
    }
    if (entry.isFile()) out.push({ name, knownFile: true });
    else if (entry.isSymbolicLink() || isUnknownType(entry)) out.push({ name, knownFile: false });
    // Sockets, FIFOs and devices are never files to read.
  }
}

function isUnknownType(entry: Dirent): boolean {
  return (
    !entry.isFile() &&
    !entry.isDirectory() &&
    !entry.isSymbolicLink() &&
    !entry.isFIFO() &&
    !entry.isSocket() &&
    !entry.isBlockDevice() &&
    !entry.isCharacterDevice()
  );
}

function isGone(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
