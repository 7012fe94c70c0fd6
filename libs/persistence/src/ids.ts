import { randomFillSync } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
// Random bytes are drawn 64 KiB at a time: one system call per 8,000 ids instead of one per id (bulk imports
// create hundreds of thousands).
const pool = Buffer.alloc(64 * 1024);
let poolAt = pool.length;
let lastMs = -1;
let seq = 0;

/**
 * A new time-ordered id (UUIDv7, RFC 9562): 48-bit Unix milliseconds, a 12-bit counter in rand_a that starts at a
 * random value each millisecond (so ids from one process are strictly increasing), 62 random bits. Index-friendly,
 * sortable by creation.
 */
export function newId(): string {
  if (poolAt + 9 > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const r = pool;
  const o = poolAt;
  poolAt += 9;
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    seq = ((r[o + 8] << 3) | (r[o] & 0x7)) & 0x7ff; // random start in the lower half leaves room to count up
  } else if (++seq > 0xfff) {
    lastMs++; // more than ~2,000 ids in one millisecond: borrow the next one
    seq = 0;
  }
  const ms = lastMs;
  const high = Math.floor(ms / 0x10000);
  return (
    `${HEX[(high >>> 24) & 0xff]}${HEX[(high >>> 16) & 0xff]}${HEX[(high >>> 8) & 0xff]}${HEX[high & 0xff]}-` +
    `${HEX[(ms >>> 8) & 0xff]}${HEX[ms & 0xff]}-${HEX[0x70 | (seq >>> 8)]}${HEX[seq & 0xff]}-` +
    `${HEX[0x80 | (r[o] & 0x3f)]}${HEX[r[o + 1]]}-` +
    `${HEX[r[o + 2]]}${HEX[r[o + 3]]}${HEX[r[o + 4]]}${HEX[r[o + 5]]}${HEX[r[o + 6]]}${HEX[r[o + 7]]}`
  );
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}
