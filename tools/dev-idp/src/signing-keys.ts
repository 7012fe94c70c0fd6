// RSA signing keys of the dev identity provider. Generated at start; a rotation adds a new key that
// becomes the signing key while earlier ones stay published in the JWKS (so tokens they signed keep
// verifying until they expire), as Keycloak does with passive keys.
import { createPublicKey, type JsonWebKey } from 'node:crypto';

import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/** How many keys the JWKS publishes: the active one and the most recent retired ones. */
export const PUBLISHED_KEYS = 3;

export const SIGNING_ALGORITHM = 'RS256';

export class SigningKeyRing {
  private keys: JWK[] = [];

  static async create(): Promise<SigningKeyRing> {
    const ring = new SigningKeyRing();
    await ring.rotate();
    return ring;
  }

  /** Private JWKs, the active signing key first. */
  privateJwks(): JWK[] {
    return this.keys.map((key) => ({ ...key }));
  }

  get activeKid(): string {
    const kid = this.keys[0]?.kid;
    if (kid === undefined) throw new Error('the key ring has no key');
    return kid;
  }

  /** The active public key as base64 DER (SubjectPublicKeyInfo), Keycloak's realm `public_key`. */
  activePublicKeyDer(): string {
    const active = this.keys[0];
    if (active === undefined) throw new Error('the key ring has no key');
    const { kty, n, e } = active;
    return createPublicKey({ key: { kty, n, e } as JsonWebKey, format: 'jwk' })
      .export({ type: 'spki', format: 'der' })
      .toString('base64');
  }

  async rotate(): Promise<string> {
    const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, {
      modulusLength: 2048,
      extractable: true,
    });
    const jwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint({ kty: jwk.kty, n: jwk.n, e: jwk.e } as JWK);
    this.keys = [{ ...jwk, kid, alg: SIGNING_ALGORITHM, use: 'sig' }, ...this.keys].slice(0, PUBLISHED_KEYS);
    return kid;
  }
}
