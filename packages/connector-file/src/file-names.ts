/**
 * Names that writers use while a file is incomplete, and that readers must skip: Hadoop's hidden
 * files (leading `.` or `_`, e.g. `_SUCCESS`, `.part-00000.crc`) and the temporary names of copy
 * tools (`hdfs dfs -put` writes `name._COPYING_`, others `name.tmp` or `name.COPYING`).
 */
const temporarySuffixes = ['.tmp', '.COPYING', '._COPYING_', '.crdownload', '.partial', '.swp'];

/** True for a hidden or temporary file or directory name (one path segment). */
export function isHiddenOrTemporary(segment: string): boolean {
  if (segment.startsWith('.') || segment.startsWith('_')) return true;
  for (const suffix of temporarySuffixes) if (segment.endsWith(suffix)) return true;
  return false;
}
