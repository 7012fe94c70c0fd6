import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  hkdfSync,
  randomBytes,
  randomFillSync,
  type KeyObject,
} from 'node:crypto';

// IVs are drawn 48 KiB at a time (one system call per 4,096 encryptions, not one each: bulk imports encrypt
// millions of values); each IV is used once.
const ivPool = Buffer.alloc(12 * 4096);
let ivAt = ivPool.length;
function nextIv(): Buffer {
  if (ivAt === ivPool.length) {
    randomFillSync(ivPool);
    ivAt = 0;
  }
  ivAt += 12;
  return Buffer.from(ivPool.subarray(ivAt - 12, ivAt));
}

/** Characters of a blind index (base64url, 6 bits each: 132 bits). */
export const BLIND_INDEX_LENGTH = 22;

export interface PiiCipherKeys {
  encKey: KeyObject;
  indexKey: KeyObject;
  keyId: string;
}

/**
 * Encrypts personal fields (ID numbers, phone numbers) at rest with AES-256-GCM under a key that is not the
 * database's (PI-1): a stolen dump or backup shows no ID numbers. A keyed HMAC "blind index" lets the service
 * find or de-duplicate a person by ID number without decrypting anything. Ciphertexts name their key
 * (`v1:<keyId>:…`) so keys can be rotated.
 */
export class PiiCipher {
  // KeyObjects, made once: passing raw key bytes makes node:crypto build a key object on every call.
  private readonly encKey: KeyObject;
  private readonly indexKey: KeyObject;
  readonly keyId: string;

  /** A 32-byte master key (base64), or the keys of a cipher in another thread (see `keys`). */
  constructor(masterKeyBase64: string | PiiCipherKeys) {
    if (typeof masterKeyBase64 !== 'string') {
      this.encKey = masterKeyBase64.encKey;
      this.indexKey = masterKeyBase64.indexKey;
      this.keyId = masterKeyBase64.keyId;
      return;
    }
    const master = Buffer.from(masterKeyBase64, 'base64');
    if (master.length !== 32) throw new Error('PII key must be 32 bytes, base64-encoded');
    this.encKey = createSecretKey(
      Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'linli pii encryption v1', 32)),
    );
    this.indexKey = createSecretKey(
      Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'linli pii blind index v1', 32)),
    );
    this.keyId = createHmac('sha256', master).update('key id').digest('hex').slice(0, 8);
  }

  encrypt(plaintext: string, context: string): string {
    const iv = nextIv();
    const cipher = createCipheriv('aes-256-gcm', this.encKey, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `v1:${this.keyId}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  /** `context` (e.g. "resident.id_number") must match the one used to encrypt: a value moved to another column fails. */
  decrypt(ciphertext: string, context: string): string {
    const [version, keyId, payload] = ciphertext.split(':');
    if (version !== 'v1' || keyId !== this.keyId || !payload)
      throw new Error('unknown PII ciphertext format or key');
    const raw = Buffer.from(payload, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.encKey, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }

  /**
   * A keyed HMAC-SHA-256 of the value, its first 132 bits in base64url (22 characters): far beyond any chance
   * of two people colliding (about 10^-20 for a billion), and small enough that a unique index over a city's
   * residents stays compact (bulk imports insert into it at random places).
   */
  blindIndex(value: string, context: string): string {
    return createHmac('sha256', this.indexKey)
      .update(`${context}\u0000${value}`)
      .digest('base64url')
      .slice(0, BLIND_INDEX_LENGTH);
  }

  /**
   * The derived keys, to build the same cipher in a worker thread: KeyObjects cross threads through
   * postMessage / workerData without their bytes being exported, and the master key stays where it was.
   */
  keys(): PiiCipherKeys {
    return { encKey: this.encKey, indexKey: this.indexKey, keyId: this.keyId };
  }

  static generateKey(): string {
    return randomBytes(32).toString('base64');
  }
}
