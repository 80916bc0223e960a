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

/** Throws `PortInUseError` when `port` cannot be bound on `host`. */
export async function assertPortFree(host: string, port: number, what: string, flag: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? new PortInUseError(port, what, flag) : err),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}
