/**
 * A member's browser without the rendering: keeps cookies per host and follows redirects
 * by hand, so a test can stop at the relying party's redirect URI.
 */
export interface Response {
  status: number;
  url: string;
  location: string | null;
  body: string;
  headers: Headers;
}

export class BrowserClient {
  readonly cookies = new Map<string, Map<string, string>>();
  /** Each cookie's Path, as a browser keeps it: a cookie goes only to URLs under its path (RFC 6265 5.1.4). */
  readonly #paths = new Map<string, Map<string, string>>();

  constructor(readonly headers: Record<string, string> = { 'accept-language': 'ja', accept: 'text/html' }) {}

  #cookieHeader(url: URL): string {
    const paths = this.#paths.get(url.host);
    const under = (path = '/') => url.pathname === path || url.pathname.startsWith(path.endsWith('/') ? path : `${path}/`);
    return [...(this.cookies.get(url.host) ?? new Map()).entries()]
      .filter(([k]) => under(paths?.get(k)))
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
  }

  #store(url: URL, headers: Headers): void {
    const jar = this.cookies.get(url.host) ?? new Map<string, string>();
    const paths = this.#paths.get(url.host) ?? new Map<string, string>();
    for (const line of headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, ...value] = pair!.split('=');
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0\b/i.test(a));
      if (expired) jar.delete(name!.trim());
      else jar.set(name!.trim(), value.join('=').trim());
      // Without a Path attribute: the request path up to its last '/' (the default-path).
      const path = attributes.map((a) => /^\s*path=(.*)$/i.exec(a)?.[1]?.trim()).find(Boolean) ?? (url.pathname.slice(0, url.pathname.lastIndexOf('/')) || '/');
      paths.set(name!.trim(), path);
    }
    this.cookies.set(url.host, jar);
    this.#paths.set(url.host, paths);
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const target = new URL(url);
    const headers: Record<string, string> = { ...this.headers, cookie: this.#cookieHeader(target) };
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(target, { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    this.#store(target, res.headers);
    const location = res.headers.get('location');
    return { status: res.status, url: target.href, location: location && new URL(location, target).href, body: await res.text(), headers: res.headers };
  }

  get(url: string) {
    return this.request(url);
  }

  post(url: string, form: Record<string, string>) {
    return this.request(url, { form });
  }

  /** Follows redirects while they stay on `origin`; returns the last response (a page, or a redirect elsewhere). */
  async follow(first: Response, origin: string): Promise<Response> {
    let res = first;
    for (let hops = 0; res.location && new URL(res.location).origin === origin; hops += 1) {
      if (hops > 20) throw new Error(`redirect loop at ${res.url}`);
      res = await this.get(res.location);
    }
    return res;
  }
}

/** The `action` of the first form on a page. */
export function formAction(html: string, base: string): string {
  const match = /<form[^>]*action="([^"]+)"/.exec(html);
  if (!match) throw new Error('no form on the page');
  return new URL(match[1]!.replaceAll('&amp;', '&'), base).href;
}

/** Hidden inputs of a form (e.g. oidc-provider's xsrf token on the logout page). */
export function hiddenInputs(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]+)"/.exec(match[0])?.[1];
    const value = /value="([^"]*)"/.exec(match[0])?.[1];
    if (name) fields[name] = value ?? '';
  }
  return fields;
}
