import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';

import { startDevIdp, type DevIdp } from '../src/index.js';
import { Browser, formById, locationOf, pkcePair } from './http-browser.js';

const CONSOLE = 'linli-console';
const CITY_APP = 'linli-demo-city-app';
const CITY_APP_SECRET = 'linli-demo-city-app-secret';
const CONSOLE_REDIRECT = 'http://127.0.0.1:3000/callback';

// Realm roles per demo user as the brief for the realm defines them, with Keycloak's default roles
// (default-roles-linli → offline_access, uma_authorization) expanded.
const DEFAULT_ROLES = ['default-roles-linli', 'offline_access', 'uma_authorization'];
const DEMO_USERS: ReadonlyArray<{ username: string; id: string; roles: string[] }> = [
  {
    username: 'city.admin',
    id: '0191a000-0000-7000-8000-000000000001',
    roles: ['platform-admin', 'operator'],
  },
  { username: 'district.operator', id: '0191a000-0000-7000-8000-000000000002', roles: ['operator'] },
  { username: 'street.operator', id: '0191a000-0000-7000-8000-000000000003', roles: ['operator'] },
  { username: 'community.operator', id: '0191a000-0000-7000-8000-000000000004', roles: ['operator'] },
  { username: 'resident.zhang', id: '0191a000-0000-7000-8000-000000000005', roles: ['resident'] },
  { username: 'resident.wang', id: '0191a000-0000-7000-8000-000000000006', roles: ['resident'] },
];

interface TokenResponse {
  access_token?: string;
  refresh_token?: string;
  id_token?: string;
  token_type?: string;
  expires_in?: number;
  refresh_expires_in?: number;
  session_state?: string;
  scope?: string;
  'not-before-policy'?: number;
  error?: string;
  error_description?: string;
}

describe('dev identity provider', () => {
  let idp: DevIdp;
  let verify: (token: string) => Promise<JWTPayload>;

  const tokenRequest = async (
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: TokenResponse }> => {
    const response = await fetch(idp.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields),
    });
    return { status: response.status, body: (await response.json()) as TokenResponse };
  };

  const passwordGrant = (username: string, password: string, extra: Record<string, string> = {}) =>
    tokenRequest({ grant_type: 'password', client_id: CONSOLE, username, password, ...extra });

  beforeAll(async () => {
    idp = await startDevIdp();
    const jwks = createRemoteJWKSet(new URL(idp.jwksUri), { cooldownDuration: 0 });
    verify = async (token) =>
      (await jwtVerify(token, jwks, { issuer: idp.issuer, algorithms: ['RS256'] })).payload;
  });

  afterAll(async () => {
    await idp.close();
  });

  describe('Keycloak realm URL layout', () => {
    it('serves a discovery document with Keycloak endpoint URLs', async () => {
      const response = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
      expect(response.status).toBe(200);
      const doc = (await response.json()) as Record<string, unknown>;
      expect(idp.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/realms\/linli$/);
      expect(doc).toMatchObject({
        issuer: idp.issuer,
        authorization_endpoint: `${idp.issuer}/protocol/openid-connect/auth`,
        token_endpoint: `${idp.issuer}/protocol/openid-connect/token`,
        jwks_uri: `${idp.issuer}/protocol/openid-connect/certs`,
        userinfo_endpoint: `${idp.issuer}/protocol/openid-connect/userinfo`,
        end_session_endpoint: `${idp.issuer}/protocol/openid-connect/logout`,
        code_challenge_methods_supported: ['S256'],
        response_types_supported: ['code'],
      });
      expect(doc['grant_types_supported']).toEqual(
        expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials', 'password']),
      );
      expect(idp.jwksUri).toBe(doc['jwks_uri']);
      expect(idp.tokenEndpoint).toBe(doc['token_endpoint']);
    });

    it('publishes only public RSA keys with kid, alg and use', async () => {
      const { keys } = (await (await fetch(idp.jwksUri)).json()) as { keys: Array<Record<string, unknown>> };
      expect(keys.length).toBeGreaterThanOrEqual(1);
      for (const key of keys) {
        expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
        expect(typeof key['kid']).toBe('string');
        for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(secret);
      }
    });

    it('serves the realm info document and health probes', async () => {
      const realm = (await (await fetch(idp.issuer)).json()) as Record<string, unknown>;
      expect(realm).toMatchObject({
        realm: 'linli',
        'token-service': `${idp.issuer}/protocol/openid-connect`,
      });
      expect(typeof realm['public_key']).toBe('string');
      for (const probe of ['/health/live', '/health/ready']) {
        const response = await fetch(`${idp.url}${probe}`);
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ status: 'UP', checks: [] });
      }
      expect((await fetch(`${idp.url}/realms/other/protocol/openid-connect/certs`)).status).toBe(404);
    });
  });

  describe('client credentials', () => {
    it('issues a Keycloak-shaped service-account token', async () => {
      const { status, body } = await tokenRequest({
        grant_type: 'client_credentials',
        client_id: CITY_APP,
        client_secret: CITY_APP_SECRET,
      });
      expect(status).toBe(200);
      expect(body).toMatchObject({
        token_type: 'Bearer',
        expires_in: 300,
        refresh_expires_in: 0,
        'not-before-policy': 0,
        scope: 'profile email',
      });
      expect(body.refresh_token).toBeUndefined();
      const token = String(body.access_token);
      expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
      const claims = await verify(token);
      expect(claims).toMatchObject({
        sub: '0191a000-0000-7000-8000-000000000010',
        preferred_username: 'service-account-linli-demo-city-app',
        azp: CITY_APP,
        client_id: CITY_APP,
        typ: 'Bearer',
        scope: 'profile email',
        email_verified: false,
        clientHost: '127.0.0.1',
        clientAddress: '127.0.0.1',
      });
      expect(claims.aud).toEqual(expect.arrayContaining(['linli-api']));
      expect(claims.exp! - claims.iat!).toBe(300);
      expect(typeof claims.jti).toBe('string');
      expect(claims['sid']).toBeUndefined();
      const roles = (claims['realm_access'] as { roles: string[] }).roles;
      expect([...roles].sort()).toEqual([...DEFAULT_ROLES, 'app-client', 'operator'].sort());
    });

    it('accepts HTTP Basic client authentication', async () => {
      const basic = Buffer.from(`${CITY_APP}:${CITY_APP_SECRET}`).toString('base64');
      const { status } = await tokenRequest(
        { grant_type: 'client_credentials' },
        { authorization: `Basic ${basic}` },
      );
      expect(status).toBe(200);
      const token = await idp.clientToken(CITY_APP, CITY_APP_SECRET);
      expect((await verify(token)).azp).toBe(CITY_APP);
    });

    it('rejects a wrong secret with 401 invalid_client', async () => {
      const { status, body } = await tokenRequest({
        grant_type: 'client_credentials',
        client_id: CITY_APP,
        client_secret: 'wrong',
      });
      expect(status).toBe(401);
      expect(body.error).toBe('invalid_client');
      await expect(idp.clientToken(CITY_APP, 'wrong')).rejects.toThrow(/HTTP 401 invalid_client/);
    });

    it('refuses service-account tokens to a public client and unknown scopes', async () => {
      const publicClient = await tokenRequest({ grant_type: 'client_credentials', client_id: CONSOLE });
      expect(publicClient.status).toBe(400);
      expect(publicClient.body.error).toBe('unauthorized_client');
      const unknownScope = await tokenRequest({
        grant_type: 'client_credentials',
        client_id: CITY_APP,
        client_secret: CITY_APP_SECRET,
        scope: 'profile no-such-scope',
      });
      expect(unknownScope.status).toBe(400);
      expect(unknownScope.body.error).toBe('invalid_scope');
    });
  });

  describe('direct access grant (grant_type=password)', () => {
    it.each(DEMO_USERS)(
      'gives $username exactly the realm roles of the export',
      async ({ username, id, roles }) => {
        const token = await idp.passwordToken(username);
        const claims = await verify(token);
        expect(claims).toMatchObject({ sub: id, preferred_username: username, azp: CONSOLE, typ: 'Bearer' });
        expect(claims.aud).toEqual(expect.arrayContaining(['linli-api']));
        expect(typeof claims['sid']).toBe('string');
        const realmRoles = (claims['realm_access'] as { roles: string[] }).roles;
        expect([...realmRoles].sort()).toEqual([...DEFAULT_ROLES, ...roles].sort());
        expect(claims).not.toHaveProperty('linli_scope_code');
      },
    );

    it('answers like Keycloak: refresh token, session_state and scope', async () => {
      const { status, body } = await passwordGrant('resident.zhang', 'demo', { scope: 'openid' });
      expect(status).toBe(200);
      expect(body).toMatchObject({
        token_type: 'Bearer',
        expires_in: 300,
        refresh_expires_in: 1800,
        'not-before-policy': 0,
      });
      expect(body.scope?.split(' ').sort()).toEqual(['email', 'openid', 'profile']);
      const access = await verify(String(body.access_token));
      expect(body.session_state).toBe(access['sid']);
      expect(typeof access['auth_time']).toBe('number');
      const id = await verify(String(body.id_token));
      expect(id).toMatchObject({
        typ: 'ID',
        aud: CONSOLE,
        azp: CONSOLE,
        sub: access.sub,
        sid: access['sid'],
        preferred_username: 'resident.zhang',
      });
      expect(typeof body.refresh_token).toBe('string');
    });

    it('refreshes a password-grant token with the same subject, session and roles', async () => {
      const first = await passwordGrant('street.operator', 'demo');
      const refreshed = await tokenRequest({
        grant_type: 'refresh_token',
        client_id: CONSOLE,
        refresh_token: String(first.body.refresh_token),
      });
      expect(refreshed.status).toBe(200);
      const before = await verify(String(first.body.access_token));
      const after = await verify(String(refreshed.body.access_token));
      expect(after.jti).not.toBe(before.jti);
      expect(after).toMatchObject({
        sub: before.sub,
        sid: before['sid'],
        auth_time: before['auth_time'],
        realm_access: before['realm_access'],
        scope: before['scope'],
      });
    });

    it('rejects a wrong password, an unknown user and a missing password with 401 invalid_grant', async () => {
      for (const [username, password] of [
        ['city.admin', 'wrong'],
        ['nobody', 'demo'],
        ['city.admin', ''],
        ['service-account-linli-demo-city-app', 'demo'],
      ] as const) {
        const { status, body } = await passwordGrant(username, password);
        expect({ username, password, status, body }).toEqual({
          username,
          password,
          status: 401,
          body: { error: 'invalid_grant', error_description: 'Invalid user credentials' },
        });
      }
      await expect(idp.passwordToken('city.admin', 'wrong')).rejects.toThrow(/HTTP 401 invalid_grant/);
    });

    it('accepts the email address as username, case-insensitively', async () => {
      const { status, body } = await passwordGrant('Resident.Wang@linli.example', 'demo');
      expect(status).toBe(200);
      expect((await verify(String(body.access_token))).preferred_username).toBe('resident.wang');
    });

    it('refuses clients without direct access grants and unknown scopes', async () => {
      const confidential = await tokenRequest({
        grant_type: 'password',
        client_id: CITY_APP,
        client_secret: CITY_APP_SECRET,
        username: 'city.admin',
        password: 'demo',
      });
      expect(confidential.status).toBe(400);
      expect(confidential.body).toEqual({
        error: 'unauthorized_client',
        error_description: 'Client not allowed for direct access grants',
      });
      const badScope = await passwordGrant('city.admin', 'demo', { scope: 'openid admin:all' });
      expect(badScope.status).toBe(400);
      expect(badScope.body.error).toBe('invalid_scope');
    });
  });

  describe('authorization code with PKCE', () => {
    const authorizeUrl = (params: Record<string, string>): string =>
      `${idp.issuer}/protocol/openid-connect/auth?${new URLSearchParams({
        client_id: CONSOLE,
        response_type: 'code',
        scope: 'openid',
        redirect_uri: CONSOLE_REDIRECT,
        ...params,
      }).toString()}`;

    it('logs a user in through the login form and exchanges the code with the verifier', async () => {
      const browser = new Browser();
      const pkce = pkcePair();
      const state = 'state-123';
      const nonce = 'nonce-456';

      const start = await browser.get(
        authorizeUrl({ state, nonce, code_challenge: pkce.challenge, code_challenge_method: 'S256' }),
      );
      expect(start.status).toBe(303);
      const loginUrl = locationOf(start, idp.issuer);
      expect(loginUrl.startsWith(`${idp.issuer}/login-actions/authenticate?`)).toBe(true);

      const page = await browser.get(loginUrl);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('用户名或邮箱 / Username or email');
      expect(html).toContain('密码 / Password');
      const form = formById(html, 'kc-form-login');

      const wrong = await browser.postForm(form.action, { username: 'community.operator', password: 'nope' });
      expect(wrong.status).toBe(200);
      const retry = await wrong.text();
      expect(retry).toContain('Invalid username or password.');
      expect(retry).toContain('value="community.operator"');

      const submitted = await browser.postForm(formById(retry, 'kc-form-login').action, {
        username: 'community.operator',
        password: 'demo',
      });
      expect(submitted.status).toBe(303);
      let next = locationOf(submitted, idp.issuer);
      // The provider resumes the authorization request and redirects back to the console.
      for (let hops = 0; !next.startsWith(CONSOLE_REDIRECT) && hops < 5; hops += 1) {
        const hop = await browser.get(next);
        expect(hop.status).toBe(303);
        next = locationOf(hop, idp.issuer);
      }
      const callback = new URL(next);
      expect(callback.searchParams.get('state')).toBe(state);
      expect(callback.searchParams.get('iss')).toBe(idp.issuer);
      const code = callback.searchParams.get('code');
      expect(code).toEqual(expect.any(String));

      const exchange = async (authorizationCode: string, verifier: string) =>
        tokenRequest({
          grant_type: 'authorization_code',
          client_id: CONSOLE,
          code: authorizationCode,
          redirect_uri: CONSOLE_REDIRECT,
          code_verifier: verifier,
        });
      const { status, body } = await exchange(String(code), pkce.verifier);
      expect(status).toBe(200);
      expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 300, refresh_expires_in: 1800 });
      expect(typeof body.refresh_token).toBe('string');
      const access = await verify(String(body.access_token));
      expect(access).toMatchObject({
        sub: '0191a000-0000-7000-8000-000000000004',
        preferred_username: 'community.operator',
        azp: CONSOLE,
        typ: 'Bearer',
        acr: '1',
      });
      expect(access.aud).toEqual(expect.arrayContaining(['linli-api']));
      expect(access['scope']).toBe('openid profile email');
      expect(typeof access['sid']).toBe('string');
      expect(typeof access['auth_time']).toBe('number');
      expect((access['realm_access'] as { roles: string[] }).roles).toContain('operator');
      expect(body.session_state).toBe(access['sid']);
      const id = await verify(String(body.id_token));
      expect(id).toMatchObject({ nonce, typ: 'ID', aud: CONSOLE, sub: access.sub, sid: access['sid'] });

      const replay = await exchange(String(code), pkce.verifier);
      expect(replay.status).toBe(400);
      expect(replay.body.error).toBe('invalid_grant');

      // Single sign-on: a second authorization request goes straight back with a code, which only
      // the matching code_verifier can redeem.
      const second = pkcePair();
      const again = await browser.get(
        authorizeUrl({ code_challenge: second.challenge, code_challenge_method: 'S256' }),
      );
      expect(again.status).toBe(303);
      const secondCallback = new URL(locationOf(again, idp.issuer));
      expect(`${secondCallback.origin}${secondCallback.pathname}`).toBe(CONSOLE_REDIRECT);
      const secondCode = String(secondCallback.searchParams.get('code'));
      const wrongVerifier = await exchange(secondCode, pkce.verifier);
      expect(wrongVerifier.status).toBe(400);
      expect(wrongVerifier.body.error).toBe('invalid_grant');

      // RP-initiated logout to a registered (wildcard) post-logout URI ends the session.
      const logout = await browser.get(
        `${idp.issuer}/protocol/openid-connect/logout?${new URLSearchParams({
          client_id: CONSOLE,
          post_logout_redirect_uri: 'http://127.0.0.1:3000/signed-out',
        }).toString()}`,
      );
      expect(logout.status).toBe(200);
      const logoutForm = formById(await logout.text(), 'op.logoutForm');
      const confirmed = await browser.postForm(new URL(logoutForm.action, idp.issuer).href, {
        ...logoutForm.hidden,
        logout: 'yes',
      });
      expect(confirmed.status).toBe(303);
      expect(locationOf(confirmed, idp.issuer)).toBe('http://127.0.0.1:3000/signed-out');
      const afterLogout = await browser.get(
        authorizeUrl({ code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }),
      );
      expect(
        locationOf(afterLogout, idp.issuer).startsWith(`${idp.issuer}/login-actions/authenticate?`),
      ).toBe(true);
    });

    /** Drives the login form and follows redirects back to the console; returns the callback URL. */
    const signIn = async (
      browser: Browser,
      username: string,
      params: Record<string, string>,
    ): Promise<URL> => {
      const start = await browser.get(authorizeUrl(params));
      const page = await browser.get(locationOf(start, idp.issuer));
      const form = formById(await page.text(), 'kc-form-login');
      let response = await browser.postForm(form.action, { username, password: 'demo' });
      for (let hops = 0; hops < 8; hops += 1) {
        if (response.status === 200) {
          // oidc-provider ends the previous user's session through a self-submitting form (a browser runs
          // its script); submit it the way the browser would.
          const selfSubmitting = formById(await response.text());
          response = await browser.postForm(
            new URL(selfSubmitting.action, idp.issuer).href,
            selfSubmitting.hidden,
          );
          continue;
        }
        if (response.status !== 303) break;
        const next = locationOf(response, idp.issuer);
        if (next.startsWith(CONSOLE_REDIRECT)) return new URL(next);
        response = await browser.get(next);
      }
      throw new Error(`sign-in of ${username} did not come back to the console (HTTP ${response.status})`);
    };

    it('switches users in one browser when the console asks for prompt=login', async () => {
      const browser = new Browser();
      const first = pkcePair();
      await signIn(browser, 'resident.zhang', {
        code_challenge: first.challenge,
        code_challenge_method: 'S256',
      });
      const second = pkcePair();
      const callback = await signIn(browser, 'resident.wang', {
        prompt: 'login',
        code_challenge: second.challenge,
        code_challenge_method: 'S256',
      });
      const { status, body } = await tokenRequest({
        grant_type: 'authorization_code',
        client_id: CONSOLE,
        code: String(callback.searchParams.get('code')),
        redirect_uri: CONSOLE_REDIRECT,
        code_verifier: second.verifier,
      });
      expect(status).toBe(200);
      expect((await verify(String(body.access_token))).preferred_username).toBe('resident.wang');
    });

    it('requires PKCE (S256) for the console, as its pkce.code.challenge.method attribute says', async () => {
      const response = await new Browser().get(authorizeUrl({ state: 'x' }));
      expect(response.status).toBe(303);
      const target = new URL(locationOf(response, idp.issuer));
      expect(`${target.origin}${target.pathname}`).toBe(CONSOLE_REDIRECT);
      expect(target.searchParams.get('error')).toBe('invalid_request');
    });

    it('never redirects to an unregistered redirect URI', async () => {
      for (const redirect of [
        'http://evil.example/callback',
        'http://127.0.0.1:3001/callback',
        'http://127.0.0.1:3000.evil.example/',
      ]) {
        const response = await new Browser().get(
          authorizeUrl({
            redirect_uri: redirect,
            code_challenge: pkcePair().challenge,
            code_challenge_method: 'S256',
          }),
        );
        expect({ redirect, status: response.status, location: response.headers.get('location') }).toEqual({
          redirect,
          status: 400,
          location: null,
        });
      }
    });

    it('answers an expired or forged login form with an error page', async () => {
      const response = await new Browser().get(`${idp.issuer}/login-actions/authenticate?tab_id=forged`);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('Your login attempt timed out');
    });
  });

  describe('userinfo', () => {
    const userinfo = (token: string) =>
      fetch(`${idp.issuer}/protocol/openid-connect/userinfo`, {
        headers: { authorization: `Bearer ${token}` },
      });

    it('returns the profile claims for a token with the openid scope', async () => {
      const { body } = await passwordGrant('resident.wang', 'demo', { scope: 'openid' });
      const response = await userinfo(String(body.access_token));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        sub: '0191a000-0000-7000-8000-000000000006',
        name: '芳 王',
        given_name: '芳',
        family_name: '王',
        preferred_username: 'resident.wang',
        email: 'resident.wang@linli.example',
        email_verified: true,
      });
    });

    it('refuses tokens without openid (403) and invalid tokens (401)', async () => {
      const withoutOpenid = await userinfo(await idp.passwordToken('resident.wang'));
      expect(withoutOpenid.status).toBe(403);
      expect(await withoutOpenid.json()).toMatchObject({ error: 'insufficient_scope' });
      const tampered = await userinfo(`${await idp.passwordToken('resident.wang')}x`);
      expect(tampered.status).toBe(401);
      expect(tampered.headers.get('www-authenticate')).toMatch(
        /^Bearer realm="linli", error="invalid_token"/,
      );
      const missing = await fetch(`${idp.issuer}/protocol/openid-connect/userinfo`);
      expect(missing.status).toBe(401);
    });
  });

  describe('signing key rotation', () => {
    it('signs with the new key and keeps the old one published', async () => {
      const before = await idp.passwordToken('city.admin');
      const oldKid = decodeProtectedHeader(before).kid;
      await idp.rotateSigningKey();
      const after = await idp.passwordToken('city.admin');
      const newKid = decodeProtectedHeader(after).kid;
      expect(newKid).toEqual(expect.any(String));
      expect(newKid).not.toBe(oldKid);
      const { keys } = (await (await fetch(idp.jwksUri)).json()) as { keys: Array<{ kid: string }> };
      expect(keys.map((key) => key.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
      expect((await verify(before)).sub).toBe(decodeJwt(after).sub);
      expect((await verify(after)).preferred_username).toBe('city.admin');
      // The realm info document follows the active key; service-account tokens use it too.
      expect(decodeProtectedHeader(await idp.clientToken(CITY_APP, CITY_APP_SECRET)).kid).toBe(newKid);
    });
  });
});
