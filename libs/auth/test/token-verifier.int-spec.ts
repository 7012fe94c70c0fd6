// The verifier against a real JWKS endpoint (node:http on a random port) and keys made with jose.
import { createHmac, KeyObject, sign as signWithNode } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CompactSign,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';

import {
  createTokenVerifier,
  TokenRejectedError,
  type TokenVerifier,
  type TokenVerifierOptions,
} from '../src/index.js';

const ISSUER = 'http://idp.test/realms/linli';
const AUDIENCE = 'linli-api';

interface TestKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  alg: string;
}

async function makeKey(kid: string, alg = 'RS256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, alg };
}

const now = (): number => Math.floor(Date.now() / 1000);

/** A Keycloak-shaped access token payload. */
function claims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: ISSUER,
    aud: [AUDIENCE, 'account'],
    sub: '0191a000-0000-7000-8000-000000000001',
    typ: 'Bearer',
    azp: 'linli-console',
    sid: 'session-1',
    jti: 'token-1',
    iat: now(),
    exp: now() + 300,
    preferred_username: 'city.admin',
    realm_access: { roles: ['default-roles-linli', 'platform-admin', 'operator'] },
    resource_access: { account: { roles: ['view-profile'] } },
    scope: 'openid profile email',
    ...overrides,
  };
}

async function sign(
  key: TestKey,
  payload: JWTPayload = claims(),
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, typ: 'JWT', kid: key.kid, ...header })
    .sign(key.privateKey);
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('token verifier against a JWKS endpoint', () => {
  let server: Server;
  let jwksUri: string;
  let published: JWK[] = [];
  let fetches = 0;
  let keyA: TestKey;
  let keyB: TestKey;
  let keyEc: TestKey;
  let verifier: TokenVerifier;

  const verifierWith = (options: Partial<TokenVerifierOptions> = {}): TokenVerifier =>
    createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUri, ...options });

  const rejection = async (token: string | undefined, target: TokenVerifier = verifier): Promise<string> => {
    try {
      await target.verify(token);
    } catch (error) {
      if (error instanceof TokenRejectedError) return error.reason;
      throw error;
    }
    throw new Error('the token was accepted');
  };

  beforeAll(async () => {
    [keyA, keyB, keyEc] = await Promise.all([makeKey('key-a'), makeKey('key-b'), makeKey('key-ec', 'ES256')]);
    server = createServer((req, res) => {
      if (req.url !== '/realms/linli/protocol/openid-connect/certs') {
        res.writeHead(404).end();
        return;
      }
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    jwksUri = `http://127.0.0.1:${port}/realms/linli/protocol/openid-connect/certs`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    published = [keyA.publicJwk, keyEc.publicJwk];
    fetches = 0;
    verifier = verifierWith({ jwksCooldownMs: 0 });
  });

  it('accepts a valid Keycloak access token and maps the principal', async () => {
    const exp = now() + 300;
    const principal = await verifier.verify(await sign(keyA, claims({ exp })));
    expect(principal).toEqual({
      subject: '0191a000-0000-7000-8000-000000000001',
      username: 'city.admin',
      roles: ['default-roles-linli', 'platform-admin', 'operator'],
      clientId: 'linli-console',
      scopes: ['openid', 'profile', 'email'],
      tokenId: 'token-1',
      expiresAt: new Date(exp * 1000),
    });
  });

  it('accepts a single string audience, ES256 and a service-account token without realm roles', async () => {
    const token = await sign(
      keyEc,
      claims({
        aud: AUDIENCE,
        preferred_username: undefined,
        realm_access: undefined,
        azp: 'linli-demo-city-app',
        scope: '',
      }),
    );
    const principal = await verifier.verify(token);
    expect(principal).toMatchObject({
      username: principal.subject,
      roles: [],
      scopes: [],
      clientId: 'linli-demo-city-app',
    });
  });

  it('rejects a missing token', async () => {
    expect(await rejection(undefined)).toBe('missing');
    expect(await rejection(verifier.parseBearer('Basic abc'))).toBe('missing');
  });

  it('rejects malformed tokens', async () => {
    const signedNonJson = await new CompactSign(Buffer.from('not json'))
      .setProtectedHeader({ alg: 'RS256', kid: 'key-a' })
      .sign(keyA.privateKey);
    expect(await rejection(signedNonJson)).toBe('malformed');
    // A correctly signed token whose header marks an extension the verifier does not know as critical.
    const criticalInput = `${b64url({ alg: 'RS256', kid: 'key-a', crit: ['x-linli'], 'x-linli': 1 })}.${b64url(claims())}`;
    const criticalSignature = signWithNode(
      'sha256',
      Buffer.from(criticalInput),
      KeyObject.from(keyA.privateKey),
    );
    expect(await rejection(`${criticalInput}.${criticalSignature.toString('base64url')}`)).toBe('malformed');
    expect(
      await rejection(`${b64url({ alg: 'RS256', kid: 'key-a' }).slice(0, -2)}!.${b64url(claims())}.c2ln`),
    ).toBe('malformed');
    expect(await rejection(await sign(keyA, claims({ exp: undefined })))).toBe('malformed');
    expect(await rejection(await sign(keyA, claims({ sub: undefined })))).toBe('malformed');
    expect(await rejection(await sign(keyA, claims({ jti: undefined })))).toBe('malformed');
    expect(await rejection(await sign(keyA, claims({ azp: undefined })))).toBe('malformed');
  });

  it('rejects an expired token, allowing the clock tolerance', async () => {
    expect(await rejection(await sign(keyA, claims({ iat: now() - 400, exp: now() - 60 })))).toBe('expired');
    await expect(
      verifier.verify(await sign(keyA, claims({ iat: now() - 300, exp: now() - 2 }))),
    ).resolves.toBeDefined();
    const strict = verifierWith({ clockToleranceSeconds: 0, jwksCooldownMs: 0 });
    expect(await rejection(await sign(keyA, claims({ iat: now() - 300, exp: now() - 2 })), strict)).toBe(
      'expired',
    );
  });

  it('rejects a token that is not valid yet (nbf in the future)', async () => {
    expect(await rejection(await sign(keyA, claims({ nbf: now() + 120 })))).toBe('not_yet_valid');
    await expect(verifier.verify(await sign(keyA, claims({ nbf: now() + 2 })))).resolves.toBeDefined();
  });

  it('rejects another audience and a token without audience', async () => {
    expect(await rejection(await sign(keyA, claims({ aud: ['other-api', 'account'] })))).toBe(
      'wrong_audience',
    );
    expect(await rejection(await sign(keyA, claims({ aud: undefined })))).toBe('wrong_audience');
  });

  it('rejects another issuer', async () => {
    expect(await rejection(await sign(keyA, claims({ iss: 'http://idp.test/realms/other' })))).toBe(
      'wrong_issuer',
    );
    expect(await rejection(await sign(keyA, claims({ iss: `${ISSUER}/` })))).toBe('wrong_issuer');
  });

  it('rejects an unsigned token (alg none)', async () => {
    for (const alg of ['none', 'None', 'NONE']) {
      const unsigned = `${b64url({ alg, typ: 'JWT' })}.${b64url(claims())}.`;
      expect(await rejection(unsigned)).toBe('bad_algorithm');
    }
  });

  it('rejects an HS256 token keyed with the RSA public key (key confusion)', async () => {
    const publicPem = await exportSPKI((await generateKeyPair('RS256', { extractable: true })).publicKey);
    // The classic attack uses the verifier's own public key material as the HMAC secret.
    const ownPem = JSON.stringify(keyA.publicJwk);
    for (const secret of [publicPem, ownPem, Buffer.from(keyA.publicJwk.n ?? '', 'base64url')]) {
      const signingInput = `${b64url({ alg: 'HS256', typ: 'JWT', kid: 'key-a' })}.${b64url(claims())}`;
      const mac = createHmac('sha256', secret).update(signingInput).digest('base64url');
      expect(await rejection(`${signingInput}.${mac}`)).toBe('bad_algorithm');
    }
  });

  it('rejects a token signed by a key that is not in the JWKS', async () => {
    expect(await rejection(await sign(keyB))).toBe('unknown_key');
    // Same kid as a published key, different key material.
    expect(await rejection(await sign(keyB, claims(), { kid: 'key-a' }))).toBe('bad_signature');
  });

  it('rejects a tampered token', async () => {
    const [header, , signature] = (await sign(keyA)).split('.');
    const forged = `${header}.${b64url(claims({ realm_access: { roles: ['platform-admin'] }, sub: 'someone-else' }))}.${signature}`;
    expect(await rejection(forged)).toBe('bad_signature');
  });

  it('rejects tokens of another type (ID, refresh or no typ)', async () => {
    for (const typ of ['ID', 'Refresh', 'bearer', undefined]) {
      expect({ typ, reason: await rejection(await sign(keyA, claims({ typ }))) }).toEqual({
        typ,
        reason: 'wrong_type',
      });
    }
  });

  it('accepts a token signed with a rotated-in key without a restart', async () => {
    await verifier.verify(await sign(keyA));
    expect(fetches).toBe(1);
    published = [keyB.publicJwk];
    const principal = await verifier.verify(await sign(keyB, claims({ jti: 'after-rotation' })));
    expect(principal.tokenId).toBe('after-rotation');
    expect(fetches).toBe(2);
    // The retired key is gone from the JWKS now: its tokens are no longer accepted.
    expect(await rejection(await sign(keyA, claims({ jti: 'old-key' })))).toBe('unknown_key');
  });

  it('honours the JWKS cooldown before refetching for an unknown kid', async () => {
    const cautious = verifierWith({ jwksCooldownMs: 60_000 });
    await cautious.verify(await sign(keyA));
    published = [keyA.publicJwk, keyB.publicJwk];
    expect(await rejection(await sign(keyB), cautious)).toBe('unknown_key');
    expect(fetches).toBe(1);
  });

  it('lets infrastructure failures through instead of calling them token rejections', async () => {
    const unreachable = createTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUri: 'http://127.0.0.1:9/certs',
    });
    const outcome = await unreachable.verify(await sign(keyA)).then(
      () => 'accepted',
      (error: unknown) => error,
    );
    // fetch's TypeError comes from Node's own realm, so compare the tag rather than the class.
    expect(Object.prototype.toString.call(outcome)).toBe('[object Error]');
    expect(outcome).not.toBeInstanceOf(TokenRejectedError);
  });

  it('uses the Keycloak JWKS path under the issuer by default', async () => {
    const { port } = server.address() as AddressInfo;
    const issuer = `http://127.0.0.1:${port}/realms/linli`;
    const byIssuer = createTokenVerifier({ issuer, audience: AUDIENCE });
    await expect(byIssuer.verify(await sign(keyA, claims({ iss: issuer })))).resolves.toMatchObject({
      username: 'city.admin',
    });
    expect(fetches).toBe(1);
  });
});
