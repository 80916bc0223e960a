import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local webhook receiver whose answers the test scripts: each request takes the next status (200 when none is left). */
export class Receiver {
  readonly requests: Received[] = [];
  statuses: number[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];
  private server: Server | undefined;

  async listen(port: number): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        res.statusCode = this.statuses.shift() ?? 200;
        res.end();
        for (const w of this.waiters.filter((w) => this.requests.length >= w.count)) w.resolve();
        this.waiters = this.waiters.filter((w) => this.requests.length < w.count);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
  }

  /** Resolves once `count` requests have arrived in all. */
  received(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** The requests that carried this webhook id. */
  of(id: string): Received[] {
    return this.requests.filter((r) => r.headers['webhook-id'] === id);
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
