import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWTPayload, type CryptoKey } from 'jose';

export interface TestIssuer {
  issuer: string;
  jwksUri: string;
  /** The RSA public key in PEM, e.g. to forge an HS256 token keyed with it (key-confusion attack). */
  publicKeyPem: string;
  /** A Keycloak-shaped access token signed with the realm key; claims override the defaults. */
  token(
    claims?: JWTPayload,
    options?: { expiresIn?: string | number; notBefore?: string | number; kid?: string },
  ): Promise<string>;
  /** A token signed by a key the JWKS does not publish. */
  tokenFromUnknownKey(claims?: JWTPayload): Promise<string>;
  /** Replaces the published key (rotation); returns nothing until the JWKS serves the new key. */
  rotate(): Promise<void>;
  close(): Promise<void>;
}

/** A Keycloak-shaped realm key set on a local port, for tests that need tokens the dev provider won't mint. */
export async function startTestIssuer(options: { audience?: string } = {}): Promise<TestIssuer> {
  let current = await newKey('k1');
  const stranger = await newKey('stranger');
  let n = 1;
  const server: Server = createServer((req, res) => {
    if (req.url?.endsWith('/protocol/openid-connect/certs')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [current.jwk] }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/linli`;
  const audience = options.audience ?? 'linli-api';

  const sign = (
    key: { privateKey: CryptoKey; kid: string },
    claims: JWTPayload,
    o: { expiresIn?: string | number; notBefore?: string | number } = {},
  ) => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({
      iss: issuer,
      aud: audience,
      sub: '0191a000-0000-7000-8000-0000000000ff',
      typ: 'Bearer',
      azp: 'linli-console',
      preferred_username: 'test.user',
      realm_access: { roles: ['operator'] },
      scope: 'openid profile',
      iat: now,
      jti: crypto.randomUUID(),
      ...claims,
    }).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' });
    // Claims given by the test win over the defaults, `exp` included.
    if (claims.exp === undefined) jwt.setExpirationTime(o.expiresIn ?? '5m');
    if (o.notBefore !== undefined) jwt.setNotBefore(o.notBefore);
    return jwt.sign(key.privateKey);
  };

  return {
    issuer,
    jwksUri: `${issuer}/protocol/openid-connect/certs`,
    publicKeyPem: current.pem,
    token: (claims = {}, o = {}) => sign(current, claims, o),
    tokenFromUnknownKey: (claims = {}) => sign(stranger, claims),
    async rotate() {
      current = await newKey(`k${++n}`);
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function newKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { privateKey, kid, jwk, pem: await exportSPKI(publicKey) };
}
