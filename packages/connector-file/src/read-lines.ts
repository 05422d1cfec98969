import { open } from 'node:fs/promises';
import { parseError } from './file-errors.js';

/** Turns one line of a file into a record. */
export type LineParser<T> = (line: string, file: string) => T;

const readChunkBytes = 64 * 1024;

/**
 * Reads a text file as UTF-8 lines (`\n` or `\r\n`; a last line without a newline counts; a
 * character split across two reads is decoded whole) and returns them as one or more partitions:
 * a new partition starts at the first line boundary after `maxPartitionBytes`, so one large file
 * still spreads over several tasks, the way Hadoop splits a file into input splits.
 */
export async function readLinePartitions<T>(
  path: string,
  name: string,
  parse: LineParser<T>,
  maxPartitionBytes: number,
): Promise<T[][]> {
  const handle = await open(path, 'r');
  const partitions: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  let lineNumber = 0;
  let carry = '';
  const decoder = new TextDecoder('utf-8');
  const buffer = Buffer.allocUnsafe(readChunkBytes);
  const emit = (line: string): void => {
    lineNumber++;
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    let record: T;
    try {
      record = parse(text, name);
    } catch (error) {
      throw parseError(error, name, lineNumber);
    }
    current.push(record);
  };
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, readChunkBytes, null);
      if (bytesRead === 0) break;
      const text = carry + decoder.decode(buffer.subarray(0, bytesRead), { stream: true });
      let start = 0;
      for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
        emit(text.slice(start, nl));
        start = nl + 1;
      }
      carry = text.slice(start);
      currentBytes += bytesRead;
      if (currentBytes >= maxPartitionBytes && current.length > 0) {
        partitions.push(current);
        current = [];
        currentBytes = 0;
      }
    }
    const rest = carry + decoder.decode();
    if (rest.length > 0) emit(rest);
  } finally {
    await handle.close();
  }
  if (current.length > 0 || partitions.length === 0) partitions.push(current);
  return partitions;
}
