/** `startDashboard`: a dashboard served on its own HTTP server. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError } from '@celerity/core';
import { isLoopback } from './auth.js';
import { createDashboard, type Dashboard, type DashboardOptions } from './dashboard.js';

/** Options of {@link startDashboard}. */
export interface StartDashboardOptions extends DashboardOptions {
  /** Port to listen on; 0 for any free one. @default 5555 */
  port?: number;
  /** Address to listen on. Anything but a loopback address needs `auth`. @default '127.0.0.1' */
  host?: string;
}

/** A running dashboard server. */
export interface DashboardServer extends AsyncDisposable {
  readonly dashboard: Dashboard;
  readonly port: number;
  /** `http://host:port/` (+ basePath). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts a dashboard and serves it. Refuses (a ConfigurationError) to listen on a non-loopback
 * address without auth.
 * @example
 * const server = await startDashboard({ broker: 'redis://localhost:6379/0', adapters: [brokerAdapter], port: 5555 });
 * console.log(`dashboard on ${server.url}`);
 */
export async function startDashboard(options: StartDashboardOptions): Promise<DashboardServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && (options.auth ?? null) === null) {
    throw new ConfigurationError(`refusing to serve the dashboard on ${host} without auth: give a token (--token, CELERITY_DASHBOARD_TOKEN) or basic auth (--basic-auth user:pass), or bind to 127.0.0.1`);
  }
  const port = options.port ?? 5555;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigurationError(`port must be 0-65535, got ${String(port)}`);
  const dashboard = createDashboard(options);
  await dashboard.start();
  const server = createServer(dashboard.handler);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  } catch (error) {
    await dashboard.close();
    throw error;
  }
  const bound = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  const close = async (): Promise<void> => {
    await dashboard.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { dashboard, port: bound, url: `http://${shown}:${bound}${(options.basePath ?? '').replace(/\/+$/, '')}/`, close, [Symbol.asyncDispose]: close };
}
