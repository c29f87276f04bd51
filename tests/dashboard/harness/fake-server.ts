/**
 * A stand-in for the dashboard server that speaks the HTTP contract with canned data: the built
 * page from `@celerity/dashboard-ui`, the JSON endpoints, a stream the test pushes messages into,
 * and a record of the actions posted. It tests the page's side of the contract alone (CSRF header,
 * search parameters, reconnecting); dashboard.int.test.ts runs the page against the real server.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { assetsDir } from '@celerity/dashboard-ui';

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

/** One `POST /api/actions/<name>` as the fake received it. */
export interface PostedAction {
  name: string;
  body: unknown;
  csrf: string | undefined;
  contentType: string | undefined;
}

export interface FakeDashboard {
  readonly url: string;
  readonly csrfToken: string;
  /** What `GET /api/...` answers, by path (`/api/overview`, `/api/tasks/<id>`, …); change at will. */
  readonly answers: Map<string, unknown>;
  /** The query strings of `GET /api/tasks`, in order. */
  readonly taskQueries: URLSearchParams[];
  readonly actions: PostedAction[];
  /** Streams opened so far (a reconnect adds one). */
  streamsOpened(): number;
  /** Holds the answer to the next `GET <path>` until the returned function is called. */
  holdNext(path: string): () => void;
  /** Sends `event: <type>` with `data` to every open stream. */
  push(type: string, data: unknown): void;
  /** Ends every open stream, as a server restart would. */
  dropStreams(): void;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}

export async function startFakeDashboard(): Promise<FakeDashboard> {
  const csrfToken = 'fake-csrf-token';
  const answers = new Map<string, unknown>();
  const taskQueries: URLSearchParams[] = [];
  const actions: PostedAction[] = [];
  const streams = new Set<ServerResponse>();
  let opened = 0;
  const held = new Map<string, Promise<void>>();
  answers.set('/api/session', { csrfToken, authRequired: false, readOnly: false });

  const send = (stream: ServerResponse, type: string, data: unknown) => stream.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://fake');
      const path = url.pathname;
      if (path === '/api/stream') {
        opened += 1;
        response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
        // reconnect quickly after dropStreams() (EventSource waits ~3 s by default)
        response.write('retry: 200\n\n');
        streams.add(response);
        request.on('close', () => streams.delete(response));
        const overview = answers.get('/api/overview');
        if (overview !== undefined) send(response, 'overview', overview);
        return;
      }
      if (path.startsWith('/api/actions/') && request.method === 'POST') {
        const header = (name: string) => {
          const value = request.headers[name];
          return Array.isArray(value) ? value[0] : value;
        };
        const text = await readBody(request);
        actions.push({ name: path.slice('/api/actions/'.length), body: JSON.parse(text) as unknown, csrf: header('x-celerity-csrf'), contentType: header('content-type') });
        const answer = answers.get(path) ?? { ok: true };
        return json(response, (answer as { ok?: unknown }).ok === true ? 200 : 409, answer);
      }
      if (path.startsWith('/api/')) {
        if (path === '/api/tasks') taskQueries.push(url.searchParams);
        const hold = held.get(path);
        held.delete(path);
        if (hold !== undefined) await hold;
        const answer = answers.get(path);
        return answer === undefined ? json(response, 404, { error: 'not found' }) : json(response, 200, answer);
      }
      const file = normalize(join(assetsDir, path === '/' ? 'index.html' : path));
      if (!file.startsWith(assetsDir)) return json(response, 403, { error: 'outside the assets' });
      try {
        const body = await readFile(file);
        response.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
        response.end(body);
      } catch {
        json(response, 404, { error: 'not found' });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    csrfToken,
    answers,
    taskQueries,
    actions,
    streamsOpened: () => opened,
    holdNext(path) {
      let release = () => {};
      held.set(path, new Promise<void>((resolve) => (release = resolve)));
      return () => release();
    },
    push(type, data) {
      for (const stream of streams) send(stream, type, data);
    },
    dropStreams() {
      for (const stream of streams) stream.end();
      streams.clear();
    },
    async close() {
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
