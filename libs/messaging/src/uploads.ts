import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * Files handed from the gateway to a service (bulk imports): too large for a request message, so they go
 * through a JetStream object store, chunked and checksummed, and expire after a week.
 */
export async function uploadsBucket(nc: NatsConnection, suffix = ''): Promise<ObjectStore> {
  return new Objm(nc).create(`UPLOADS${suffix}`, {
    ttl: 7 * 24 * 3600 * 1e9,
    description: 'bulk import uploads',
  });
}

export async function putUpload(bucket: ObjectStore, name: string, data: Uint8Array): Promise<void> {
  await bucket.putBlob({ name }, data);
}

/** Writes an upload to a local file; false when there is no such upload. */
export async function downloadUpload(bucket: ObjectStore, name: string, file: string): Promise<boolean> {
  const result = await bucket.get(name);
  if (!result) return false;
  await pipeline(Readable.fromWeb(result.data as never), createWriteStream(file));
  if (!(await result.error)) return true;
  throw new Error(`upload ${name} could not be read`);
}
