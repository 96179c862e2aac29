import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { Socket } from 'node:net';

/** Who answered one request: the upstream's port, or (behind one cluster port) the worker's pid. */
export interface Served {
  method: string;
  path: string;
  by: string;
}

export interface Balancer {
  url: string;
  /** Every request so far, in order, with who answered it. */
  log: Served[];
  /** Sends every request to one upstream (by index) until unpinned with `undefined`. */
  pin(index: number | undefined): void;
  /** Who answered the requests logged since `from` (an index into `log`). */
  servedSince(from: number): Set<string>;
  close(): Promise<void>;
}

export interface BalancerOptions {
  port: number;
  upstreams: number[];
  /** Behind one cluster port: the pids of its workers, to tell which one holds a connection. */
  workers?: () => number[];
}

/**
 * A load balancer for tests: each request goes to the next upstream in turn, over a new
 * connection (so that, behind a node:cluster port, the primary hands each request to a
 * worker again). It records who answered each request, so a test can show that a journey
 * really went back and forth between processes.
 */
export async function startBalancer({ port, upstreams, workers }: BalancerOptions): Promise<Balancer> {
  let next = 0;
  let pinned: number | undefined;
  const log: Served[] = [];
  const server: Server = createServer((req, res) => {
    const index = pinned ?? next++ % upstreams.length;
    const upstreamPort = upstreams[index]!;
    const upstream = request({ host: '127.0.0.1', port: upstreamPort, path: req.url, method: req.method, headers: req.headers, agent: false }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        // Looked up before the connection closes: the worker still holds its end.
        const socket = upstream.socket as Socket;
        const by = workers ? workerHolding(socket.localPort!, upstreamPort, workers()) : `port ${upstreamPort}`;
        socket.destroy();
        log.push({ method: req.method ?? 'GET', path: (req.url ?? '').split('?')[0]!, by });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.end(Buffer.concat(chunks));
      });
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(port, resolve));
  return {
    url: `http://localhost:${port}`,
    log,
    pin: (index) => void (pinned = index),
    servedSince: (from) => new Set(log.slice(from).map((s) => s.by)),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The hex port in a /proc/net/tcp address ("0100007F:1F90"). */
const portOf = (address: string) => parseInt(address.split(':')[1]!, 16);

/**
 * Which worker holds the server end of our connection (from local port `clientPort` to
 * `serverPort`): its socket inode from /proc/net/tcp{,6}, then the worker whose fds hold it.
 */
function workerHolding(clientPort: number, serverPort: number, pids: number[]): string {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length > 9 && portOf(fields[1]!) === serverPort && portOf(fields[2]!) === clientPort) inodes.add(fields[9]!);
    }
  }
  for (const pid of pids) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const target = (() => {
          try {
            return readlinkSync(`/proc/${pid}/fd/${fd}`);
          } catch {
            return '';
          }
        })();
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode && inodes.has(inode)) return `pid ${pid}`;
      }
    } catch {
      // the worker is gone
    }
  }
  return 'unknown';
}

/** The pids whose parent is `pid` (a cluster primary's workers), from /proc. */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name may hold spaces and parentheses: the fields after the last ')' are fixed.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return children.sort((a, b) => a - b);
}
