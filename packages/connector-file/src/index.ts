export { fileSource } from './file-source.js';
export type { FileSource, FileSourceMetrics, FileSourceOptions } from './file-source.js';
export { fileStream, saveAsTextFiles, textFileStream } from './file-streams.js';
export type { FileStreamOptions } from './file-streams.js';
export { isHiddenOrTemporary } from './file-names.js';
export type { LineParser } from './read-lines.js';
export { batchOutputPath, partFileName, successMarker, textFileSink } from './text-file-sink.js';
export type { TextFileSinkOptions } from './text-file-sink.js';
