import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent, request } from 'node:http';

/**
 * The source address of the requests made inside `fromAddress(addr, …)`. Every member's
 * browser gets its own loopback address (all of 127.0.0.0/8 reaches this machine), as
 * members reach the provider from their own homes: the per-address throttle then sees
 * what it would see in production, and nothing the provider enforces is switched off.
 */
const source = new AsyncLocalStorage<string>();
export const fromAddress = <T>(address: string, work: () => Promise<T>): Promise<T> => source.run(address, work);

/** 127.1.x.y for member n (n < 65,024). */
export function memberAddress(n: number): string {
  return `127.1.${Math.floor(n / 254) % 254}.${(n % 254) + 1}`;
}

const agents = new Map<string, Agent>();
function agentFor(address: string): Agent {
  let agent = agents.get(address);
  if (!agent) {
    agent = new Agent({ keepAlive: true, maxFreeSockets: 2, localAddress: address });
    agents.set(address, agent);
  }
  return agent;
}

/** A fetch over node:http that binds each connection to the current source address (Node's own fetch cannot). */
export const loopbackFetch: typeof fetch = async (input, init) => {
  const req = input instanceof Request ? input : new Request(input, init);
  const url = new URL(req.url);
  const body = req.body ? Buffer.from(await req.arrayBuffer()) : undefined;
  const headers: Record<string, string> = {};
  req.headers.forEach((value, name) => (headers[name] = value));
  if (body) headers['content-length'] = String(body.length);
  return new Promise<Response>((resolve, reject) => {
    const outgoing = request(
      { host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: req.method, headers, agent: agentFor(source.getStore() ?? '127.0.0.1') },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const responseHeaders = new Headers();
          for (let i = 0; i < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
          const status = res.statusCode ?? 0;
          resolve(new Response([101, 204, 205, 304].includes(status) ? null : Buffer.concat(chunks), { status, headers: responseHeaders }));
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
};
