// Small helpers for the dev identity provider's own (non-oidc-provider) routes.
import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_FORM_BYTES = 64 * 1024;

export class RequestTooLargeError extends Error {
  override readonly name = 'RequestTooLargeError';
}

export async function readBody(req: IncomingMessage, limit = MAX_FORM_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > limit) throw new RequestTooLargeError(`request body over ${limit} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses an application/x-www-form-urlencoded body; any other content type gives no fields. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  const body = await readBody(req);
  return type === 'application/x-www-form-urlencoded' ? new URLSearchParams(body) : new URLSearchParams();
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** Keycloak's browser security headers for its own pages. */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store, must-revalidate, max-age=0',
  'content-security-policy': "frame-src 'self'; frame-ancestors 'self'; object-src 'none';",
  'x-frame-options': 'SAMEORIGIN',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { ...PAGE_HEADERS, 'content-length': Buffer.byteLength(html) });
  res.end(html);
}
