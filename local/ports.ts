import type * as http from 'node:http';
import * as net from 'node:net';

/** A port the local stack needs is taken; the message says which and the flag that moves it. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUse';
  constructor(
    readonly port: number,
    what: string,
    flag: string,
  ) {
    super(`Port ${port} (${what}) is in use. Stop what holds it, or start with ${flag} <another port>.`);
  }
}

/** Listens on `host:port` (0 picks a free port) and resolves with the bound port; `PortInUseError` when taken. */
export function listenOn(
  server: net.Server,
  host: string,
  port: number,
  what: string,
  flag: string,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? new PortInUseError(port, what, flag) : err),
    );
    server.listen(port, host, () => resolve((server.address() as net.AddressInfo).port));
  });
}

/** Throws `PortInUseError` when `port` cannot be bound on `host`. */
export async function assertPortFree(host: string, port: number, what: string, flag: string): Promise<void> {
  const server = net.createServer();
  await listenOn(server, host, port, what, flag);
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** The host part of a URL a client can use: wildcard binds are reached on 127.0.0.1, IPv6 in brackets. */
export const hostForUrl = (host: string): string =>
  host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

/** How long a closing server lets the requests it holds finish before it cuts their connections. */
const CLOSE_GRACE_MS = 10_000;

/**
 * Stops accepting connections, lets the requests in flight finish (their answers may report work that
 * is already durable), then resolves. Idle keep-alive connections close at once; busy ones after their
 * answer, or after the grace period.
 */
export function closeServer(server: http.Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
    server.close((error) => {
      clearTimeout(cut);
      if (error && (error as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });
}

/** A crash: no new connection, and every open one cut at once, answering nothing more. */
export function abortServer(server: http.Server): void {
  server.close();
  server.closeAllConnections();
}
