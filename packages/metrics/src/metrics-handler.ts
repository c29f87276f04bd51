/**
 * Serving the metrics over HTTP: a request listener to mount in an existing `node:http` server,
 * and a small server of its own for `celerity worker --metrics-port`.
 */
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** What holds a registry: a `WorkerMetrics`, or a prom-client `Registry` wrapped as `{ registry }`. */
export interface MetricsSource {
  readonly registry: Registry;
}

/**
 * A `node:http` request listener answering every request it gets with the metrics in Prometheus'
 * text format (route it yourself: it does not look at the path).
 * @example
 * const metricsHandler = createMetricsHandler(metrics);
 * createServer((req, res) => (req.url === '/metrics' ? metricsHandler(req, res) : app(req, res)));
 */
export function createMetricsHandler(source: MetricsSource): RequestListener {
  return (_request: IncomingMessage, response: ServerResponse) => {
    source.registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'Content-Type': source.registry.contentType });
        response.end(text);
      },
      (error: unknown) => {
        response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        response.end(`collecting the metrics failed: ${(error as Error).message}\n`);
      },
    );
  };
}

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  /** TCP port; 0 picks a free one (see `port` of the result). */
  port: number;
  /** Address to listen on. @default '0.0.0.0' (as celery-exporter) */
  host?: string;
}

/** A running metrics server. */
export interface MetricsServer extends AsyncDisposable {
  /** The port it listens on. */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves the metrics at `GET /metrics` and `GET /`; any other path is 404, any other method 405.
 * @example
 * await using server = await startMetricsServer(metrics, { port: 9808 });
 */
export async function startMetricsServer(source: MetricsSource, options: MetricsServerOptions): Promise<MetricsServer> {
  const handler = createMetricsHandler(source);
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET' }).end();
    } else if (path === '/metrics' || path === '/') {
      handler(request, response);
    } else {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found: the metrics are at /metrics\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });
  return { port, close, [Symbol.asyncDispose]: close };
}
