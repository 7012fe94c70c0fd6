// The development identity provider: oidc-provider behind Keycloak's realm URL layout
// (http://<host>:<port>/realms/<realm>/...), serving the clients, users and roles of a Keycloak realm
// export. For local development and tests only: plaintext demo passwords, in-memory state.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

import type Provider from 'oidc-provider';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';

import { splitScope, type IdpContext } from './idp.context.js';
import { readForm, RequestTooLargeError, sendHtml, sendJson } from './http.utils.js';
import { MemoryAdapterStore } from './memory.adapter.js';
import { errorPage, loginPage } from './pages.view.js';
import { buildProvider, KEYCLOAK_ROUTES, LOGIN_ACTION_PATH } from './provider.factory.js';
import { loadRealm, type Realm, type RealmClient, type RealmUser } from './realm.model.js';
import { SIGNING_ALGORITHM, SigningKeyRing } from './signing-keys.js';
import { userInfoClaims } from './token-claims.mapper.js';

/** deploy/keycloak/linli-realm.json, found from this module (src/ or dist/) up to the repository root. */
export const DEFAULT_REALM_FILE = fileURLToPath(
  new URL('../../../deploy/keycloak/linli-realm.json', import.meta.url),
);

/** The password of every demo user in the realm file (demo only). */
export const DEMO_PASSWORD = 'demo';

/** The public client `passwordToken()` uses for Keycloak's direct access grant. */
export const PASSWORD_GRANT_CLIENT = 'linli-console';

/** Pino-compatible structured logger (fields first, then the message). */
export interface DevIdpLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface DevIdpOptions {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Port to listen on; default 0 (a random free port). */
  port?: number;
  /** Keycloak realm export to serve; default deploy/keycloak/linli-realm.json of this repository. */
  realmFile?: string;
  /** Base URL clients use (scheme, host, port) when it differs from http://<host>:<port>. */
  publicUrl?: string;
  /** Where to log; default: nothing is logged. */
  logger?: DevIdpLogger;
}

export interface DevIdp {
  /** http://<host>:<port>/realms/<realm>, as Keycloak. */
  readonly issuer: string;
  /** http://<host>:<port> */
  readonly url: string;
  readonly jwksUri: string;
  readonly tokenEndpoint: string;
  /** A user access token from the direct access grant of `linli-console` (password default "demo"). */
  passwordToken(username: string, password?: string): Promise<string>;
  /** A service-account access token from the client credentials grant. */
  clientToken(clientId: string, secret: string): Promise<string>;
  /** Adds a new signing key and signs with it from now on; earlier keys stay in the JWKS. */
  rotateSigningKey(): Promise<void>;
  close(): Promise<void>;
}

const SILENT_LOGGER: DevIdpLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

interface TokenEndpointResponse {
  access_token?: string;
  error?: string;
  error_description?: string;
}

async function requestToken(tokenEndpoint: string, form: Record<string, string>): Promise<string> {
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(form),
  });
  const body = (await response.json()) as TokenEndpointResponse;
  if (!response.ok || typeof body.access_token !== 'string') {
    throw new Error(
      `token request (${form['grant_type']}) failed: HTTP ${response.status} ${body.error ?? ''} ${body.error_description ?? ''}`.trim(),
    );
  }
  return body.access_token;
}

export async function startDevIdp(options: DevIdpOptions = {}): Promise<DevIdp> {
  const realm = await loadRealm(options.realmFile ?? DEFAULT_REALM_FILE);
  const logger = options.logger ?? SILENT_LOGGER;
  const host = options.host ?? '127.0.0.1';
  const keys = await SigningKeyRing.create();
  const store = new MemoryAdapterStore();
  const cookieKeys = [randomBytes(32).toString('base64url')];
  const realmPath = `/realms/${encodeURIComponent(realm.name)}`;

  let provider: Provider | undefined;
  let callback: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      logger.error(
        { err: err instanceof Error ? err.message : String(err), path: req.url },
        'request failed',
      );
      if (!res.headersSent) {
        if (err instanceof RequestTooLargeError) {
          sendJson(res, 413, { error: 'invalid_request', error_description: err.message });
        } else {
          sendJson(res, 500, { error: 'server_error', error_description: 'unexpected error' });
        }
      } else {
        res.destroy();
      }
    });
  });
  await listen(server, options.port ?? 0, host);
  const port = (server.address() as AddressInfo).port;
  const baseUrl = (options.publicUrl ?? `http://${urlHost(host)}:${port}`).replace(/\/+$/, '');
  const issuer = `${baseUrl}${realmPath}`;

  const context: IdpContext = {
    realm,
    issuer,
    serverBaseUrl: baseUrl,
    authTimes: new WeakMap(),
  };

  const rebuild = (): void => {
    const next = buildProvider({
      context,
      store,
      signingKeys: keys.privateJwks(),
      activeKid: keys.activeKid,
      cookieKeys,
      onServerError: (err) => logger.error({ err: err.message }, 'oidc-provider server error'),
    });
    provider = next;
    callback = next.callback();
  };
  rebuild();

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/health/live' || path === '/health/ready') {
      sendJson(res, 200, { status: 'UP', checks: [] });
      return;
    }
    if (path === realmPath || path === `${realmPath}/`) {
      sendJson(res, 200, {
        realm: realm.name,
        public_key: keys.activePublicKeyDer(),
        'token-service': `${issuer}/protocol/openid-connect`,
        'account-service': `${issuer}/account`,
        'tokens-not-before': 0,
      });
      return;
    }
    if (path === `${realmPath}${KEYCLOAK_ROUTES.userinfo}`) {
      await userInfo(req, res);
      return;
    }
    if (path === `${realmPath}${LOGIN_ACTION_PATH}`) {
      await loginAction(req, res);
      return;
    }
    if (path.startsWith(`${realmPath}/`) && callback !== undefined) {
      // Mount oidc-provider under the realm path, the way Express mounts a sub-application.
      const mounted = req as IncomingMessage & { originalUrl?: string };
      mounted.originalUrl = req.url;
      req.url = (req.url ?? '/').slice(realmPath.length);
      callback(req, res);
      return;
    }
    sendJson(res, 404, { error: 'Unable to find matching target resource method' });
  }

  async function loginAction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (provider === undefined) throw new Error('provider not ready');
    const current = provider;
    let details: Awaited<ReturnType<Provider['interactionDetails']>>;
    try {
      details = await current.interactionDetails(req, res);
    } catch {
      sendHtml(
        res,
        400,
        errorPage({
          错误: '登录已超时，请从应用重新开始登录。',
          error: 'Your login attempt timed out. Login will start from the beginning.',
        }),
      );
      return;
    }
    const client = realm.client(String(details.params['client_id']));
    const clientName = client?.name ?? client?.clientId ?? '';
    const action = `${issuer}${LOGIN_ACTION_PATH}?${new URL(req.url ?? '/', 'http://localhost').searchParams.toString()}`;
    const page = { realmDisplayName: realm.displayName, clientName, action };

    if (details.prompt.name !== 'login') {
      sendHtml(res, 400, errorPage({ error: `unexpected prompt ${details.prompt.name}` }));
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      sendHtml(res, 200, loginPage(page));
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'method not allowed' }, { allow: 'GET, POST' });
      return;
    }
    const form = await readForm(req);
    const username = form.get('username') ?? '';
    const user = realm.findUserForLogin(username);
    const failure = loginFailure(realm, user, form.get('password') ?? '');
    if (failure !== undefined || user === undefined) {
      logger.warn({ username, client: client?.clientId }, 'login failed');
      sendHtml(res, 200, loginPage({ ...page, username, error: failure ?? INVALID_LOGIN }));
      return;
    }
    logger.info({ username: user.username, client: client?.clientId }, 'login');
    await current.interactionFinished(
      req,
      res,
      { login: { accountId: user.id, acr: '1', remember: false } },
      { mergeWithLastSubmission: false },
    );
  }

  async function userInfo(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const cors = corsHeaders(req);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...cors,
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': 'Authorization, Content-Type',
      });
      res.end();
      return;
    }
    const challenge = (error: string, description: string): Record<string, string> => ({
      ...cors,
      'www-authenticate': `Bearer realm="${realm.name}", error="${error}", error_description="${description}"`,
    });
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    let token = match?.[1];
    if (token === undefined && req.method === 'POST') {
      // Keycloak also takes the token as a form parameter of a POST.
      token = (await readForm(req)).get('access_token') ?? undefined;
    }
    if (token === undefined) {
      sendJson(
        res,
        401,
        { error: 'invalid_request', error_description: 'Token not provided' },
        challenge('invalid_request', 'Token not provided'),
      );
      return;
    }
    const payload = await verifyOwnAccessToken(token);
    const client = payload === undefined ? undefined : realm.client(String(payload['azp']));
    const user = payload === undefined ? undefined : realm.userById(String(payload['sub']));
    if (payload === undefined || client === undefined || user === undefined || !user.enabled) {
      sendJson(
        res,
        401,
        { error: 'invalid_token', error_description: 'Token verification failed' },
        challenge('invalid_token', 'Token verification failed'),
      );
      return;
    }
    const requested = splitScope(payload['scope']);
    if (!requested.includes('openid')) {
      sendJson(
        res,
        403,
        { error: 'insufficient_scope', error_description: 'Missing openid scope' },
        challenge('insufficient_scope', 'Missing openid scope'),
      );
      return;
    }
    sendJson(
      res,
      200,
      userInfoClaims({
        realm,
        client,
        user,
        scopes: realm.resolveClientScopes(client, requested),
        session: sessionFromToken(payload, user, client),
        serverBaseUrl: baseUrl,
      }),
      cors,
    );
  }

  async function verifyOwnAccessToken(token: string): Promise<JWTPayload | undefined> {
    const jwks = createLocalJWKSet({
      keys: keys.privateJwks().map(({ kty, n, e, kid, alg, use }) => ({ kty, n, e, kid, alg, use })),
    });
    try {
      const { payload } = await jwtVerify(token, jwks, { issuer, algorithms: [SIGNING_ALGORITHM] });
      return payload['typ'] === 'Bearer' ? payload : undefined;
    } catch {
      return undefined;
    }
  }

  function corsHeaders(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    if (origin === undefined) return {};
    const allowed = realm
      .allClients()
      .filter((client) => client.issuesTokens)
      .some((client) => realm.allowedOrigins(client, baseUrl).includes(origin));
    return allowed ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {};
  }

  return {
    issuer,
    url: baseUrl,
    jwksUri: `${issuer}${KEYCLOAK_ROUTES.jwks}`,
    tokenEndpoint: `${issuer}${KEYCLOAK_ROUTES.token}`,
    passwordToken: (username, password = DEMO_PASSWORD) =>
      requestToken(`${issuer}${KEYCLOAK_ROUTES.token}`, {
        grant_type: 'password',
        client_id: PASSWORD_GRANT_CLIENT,
        username,
        password,
      }),
    clientToken: (clientId, secret) =>
      requestToken(`${issuer}${KEYCLOAK_ROUTES.token}`, {
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: secret,
      }),
    rotateSigningKey: async () => {
      const kid = await keys.rotate();
      rebuild();
      logger.info({ kid }, 'signing key rotated');
    },
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err === undefined ? resolve() : reject(err)));
        server.closeAllConnections();
      });
      store.clear();
    },
  };
}

const INVALID_LOGIN = { zh: '用户名或密码无效。', en: 'Invalid username or password.' };

function loginFailure(
  realm: Realm,
  user: RealmUser | undefined,
  password: string,
): { zh: string; en: string } | undefined {
  if (user === undefined || !realm.verifyPassword(user, password)) return INVALID_LOGIN;
  if (!user.enabled) {
    return { zh: '账户已被禁用，请联系管理员。', en: 'Account is disabled, contact your administrator.' };
  }
  if (user.requiredActions.length > 0) {
    return { zh: '账户尚未完成设置。', en: 'Account is not fully set up.' };
  }
  return undefined;
}

function sessionFromToken(
  payload: JWTPayload,
  user: RealmUser,
  client: RealmClient,
): { acr: string; notes: Record<string, string> } {
  const notes: Record<string, string> = {};
  if (typeof payload['auth_time'] === 'number') notes['AUTH_TIME'] = String(payload['auth_time']);
  if (user.serviceAccountClientId !== undefined) {
    notes['client_id'] = client.clientId;
    for (const note of ['clientHost', 'clientAddress']) {
      if (typeof payload[note] === 'string') notes[note] = payload[note];
    }
  }
  return { acr: typeof payload['acr'] === 'string' ? payload['acr'] : '1', notes };
}
