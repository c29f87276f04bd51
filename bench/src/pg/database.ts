/**
 * The database of a run: `celerity_bench_<pid>` made on the machine's PostgreSQL before the peers run
 * and dropped after them, also when they fail (`await using`).
 */
import { Client } from './client.js';

/** The server's maintenance database; `BENCH_POSTGRES_URL` overrides it. */
export const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** `celerity_bench_<pid>`: one database per bench process. */
export function benchDatabaseName(pid: number): string {
  if (!(Number.isInteger(pid) && pid > 0)) throw new RangeError(`a process id must be a positive integer, got ${pid}`);
  return `celerity_bench_${pid}`;
}

/** The URL of database `name` on the server of `adminUrl` (same user, host and options). */
export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new Error(`not a PostgreSQL URL: ${adminUrl}`);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

/** A database made for the run, dropped on dispose. */
export interface BenchDatabase extends AsyncDisposable {
  readonly name: string;
  readonly url: string;
  /** `server_version` of the server. */
  readonly serverVersion: string;
}

/**
 * Makes a fresh database (dropping a leftover of the same name first) and drops it on dispose,
 * closing any connection a child left behind (`WITH (FORCE)`).
 * @example
 * await using db = await createBenchDatabase();
 */
export async function createBenchDatabase(adminUrl = process.env['BENCH_POSTGRES_URL'] ?? DEFAULT_ADMIN_URL, pid = process.pid): Promise<BenchDatabase> {
  const name = benchDatabaseName(pid);
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  const quoted = admin.escapeIdentifier(name);
  let serverVersion: string;
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${quoted}`);
    serverVersion = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
  } finally {
    await admin.end();
  }
  const drop = async (): Promise<void> => {
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
  return { name, url: databaseUrl(adminUrl, name), serverVersion, [Symbol.asyncDispose]: drop };
}
