import { parentPort, workerData } from 'node:worker_threads';
import { PiiCipher, type PiiCipherKeys } from '@linli/privacy';
import { preparedBatches } from './households.prepare.js';

/**
 * Worker thread of a households import: reads, encrypts and lays out the batches (households.prepare.ts) and
 * posts them to the importing thread, at most CREDITS ahead per writer (the importer returns a credit when it
 * has written one), so a large file never piles up in memory.
 *
 * in:  workerData { file, today, batchSize, resumeAfter, deferredLines, keys }; messages { credit: lane }
 * out: { kind: 'batch', …PreparedFor, resumedFrom } per batch, then { kind: 'end', resumedFrom } (rows skipped
 *      because an earlier run committed them)
 */
export interface ReaderInput {
  file: string;
  today: string;
  batchSize: number;
  resumeAfter: number[];
  /** Lines of people under 14 whose guardian is in the file: written last (PI-4). */
  deferredLines: number[];
  keys: PiiCipherKeys;
}

export const CREDITS = 2;

const input = workerData as ReaderInput;
const port = parentPort!;
const credits = input.resumeAfter.map(() => CREDITS);
let wake: (() => void) | undefined;
port.on('message', (m: { credit: number }) => {
  credits[m.credit]++;
  wake?.();
});

const stats = { resumedFrom: 0 };
for await (const prepared of preparedBatches({ ...input, cipher: new PiiCipher(input.keys), stats })) {
  while (credits[prepared.lane] === 0) await new Promise<void>((resolve) => (wake = resolve));
  credits[prepared.lane]--;
  port.postMessage({ kind: 'batch', ...prepared, resumedFrom: stats.resumedFrom });
}
port.postMessage({ kind: 'end', resumedFrom: stats.resumedFrom });
port.close();
