// A minimal "browser" for tests: fetch with manual redirects and a cookie jar, plus helpers to read
// the forms of the login and logout pages.
import { createHash, randomBytes } from 'node:crypto';

export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key = '', setting = ''] = attribute.split('=').map((part) => part.trim().toLowerCase());
        return (
          (key === 'max-age' && Number(setting) <= 0) ||
          (key === 'expires' && Date.parse(setting) <= Date.now())
        );
      });
      if (value === '' || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  has(name: string): boolean {
    return this.cookies.has(name);
  }
}

export class Browser {
  readonly jar = new CookieJar();

  async get(url: string): Promise<Response> {
    return this.request(url, { method: 'GET' });
  }

  async postForm(url: string, fields: Record<string, string>): Promise<Response> {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  private async request(url: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('accept', 'text/html');
    const cookie = this.jar.header();
    if (cookie !== '') headers.set('cookie', cookie);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.jar.store(response);
    return response;
  }
}

/** The absolute target of a redirect response. */
export function locationOf(response: Response, base: string): string {
  const location = response.headers.get('location');
  if (location === null) throw new Error(`expected a redirect, got HTTP ${response.status}`);
  return new URL(location, base).href;
}

function unescapeHtml(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export interface HtmlForm {
  readonly action: string;
  readonly hidden: Record<string, string>;
}

/** The first form with the given id (any form when no id is given): its action and hidden inputs. */
export function formById(html: string, id?: string): HtmlForm {
  const forms = html.match(/<form\b[^>]*>[\s\S]*?<\/form>/g) ?? [];
  const form = forms.find(
    (candidate) => id === undefined || new RegExp(`id="${id.replace(/\./g, '\\.')}"`).test(candidate),
  );
  if (form === undefined) throw new Error(`no form${id === undefined ? '' : ` with id ${id}`} in page`);
  const action = /action="([^"]*)"/.exec(form)?.[1];
  if (action === undefined) throw new Error(`form ${id} has no action`);
  const hidden: Record<string, string> = {};
  for (const input of form.match(/<input\b[^>]*>/g) ?? []) {
    if (!/type="hidden"/.test(input)) continue;
    const name = /name="([^"]*)"/.exec(input)?.[1];
    const value = /value="([^"]*)"/.exec(input)?.[1] ?? '';
    if (name !== undefined) hidden[name] = unescapeHtml(value);
  }
  return { action: unescapeHtml(action), hidden };
}

export interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
}

export function pkcePair(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}
