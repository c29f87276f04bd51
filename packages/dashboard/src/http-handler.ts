/**
 * The dashboard's HTTP API and page, as one `node:http` request listener (mountable under a path
 * prefix in an existing server). Routes and shapes: see contract.ts and the README.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger, ResultBackend } from '@celerity/core';
import { ActionError, runAction, type ActionContext } from './actions.js';
import { COOKIE_NAME, checkAuth, cookieValueOf, csrfMatches, isLoopback, tokenMatches, type DashboardAuth } from './auth.js';
import { ACTIONS, type ActionName, type Overview, type Series, type Session } from './contract.js';
import type { DashboardStore } from './store.js';
import { listTasks, type TaskFilter } from './store-queries.js';
import type { StreamHub } from './stream.js';
import { readTaskDetail } from './task-detail.js';
import { serveUi } from './ui-assets.js';

/** What the handler serves from. */
export interface HandlerContext {
  basePath: string;
  auth: DashboardAuth | null;
  readOnly: boolean;
  store: DashboardStore;
  backend: ResultBackend | null;
  csrfToken: () => string;
  overview: () => Promise<Overview>;
  series: (minutes: number) => Promise<Series>;
  stream: StreamHub;
  actions: ActionContext;
  uiAssets: () => Promise<string | null>;
  logger: Logger;
}

const MAX_BODY = 64 * 1024;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new ActionError(`the body is over ${MAX_BODY} bytes`, 413));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const BASIC_CHALLENGE = { 'www-authenticate': 'Basic realm="Celerity dashboard", charset="UTF-8"' };

function numberParam(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new ActionError(`'${name}' must be a number, got '${raw}'`, 400);
  return n;
}

/** The request listener. */
export function createHandler(context: HandlerContext): (req: IncomingMessage, res: ServerResponse) => void {
  const base = context.basePath.replace(/\/+$/, '');

  const api = async (req: IncomingMessage, res: ServerResponse, path: string, params: URLSearchParams): Promise<void> => {
    const method = req.method ?? 'GET';
    if (path.startsWith('/api/actions/')) {
      if (method !== 'POST') return sendJson(res, 405, { ok: false, error: 'actions are POST requests' }, { allow: 'POST' });
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/json') return sendJson(res, 415, { ok: false, error: 'actions take Content-Type: application/json' });
      if (!csrfMatches(req, context.csrfToken())) return sendJson(res, 403, { ok: false, error: 'missing or wrong X-Celerity-CSRF header (GET /api/session gives the token)' });
      if (context.readOnly) return sendJson(res, 403, { ok: false, error: 'this dashboard is read-only' });
      const action = path.slice('/api/actions/'.length);
      if (!(ACTIONS as readonly string[]).includes(action)) return sendJson(res, 404, { ok: false, error: `unknown action '${action}' (known: ${ACTIONS.join(', ')})` });
      let body: unknown;
      try {
        const text = await readBody(req);
        body = text.trim() === '' ? {} : JSON.parse(text);
      } catch (error) {
        if (error instanceof ActionError) return sendJson(res, error.status, { ok: false, error: error.message });
        return sendJson(res, 400, { ok: false, error: `the body is not JSON: ${(error as Error).message}` });
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return sendJson(res, 400, { ok: false, error: 'the body must be a JSON object' });
      try {
        const detail = await runAction(action as ActionName, body as Record<string, unknown>, context.actions);
        context.logger.info(`dashboard: action ${action}`, { action, body });
        return sendJson(res, 200, { ok: true, detail });
      } catch (error) {
        if (error instanceof ActionError) return sendJson(res, error.status, { ok: false, error: error.message });
        context.logger.error(`dashboard: action ${action} failed: ${(error as Error).message}`);
        return sendJson(res, 502, { ok: false, error: (error as Error).message });
      }
    }
    if (method !== 'GET' && method !== 'HEAD') return sendJson(res, 405, { error: 'GET only' }, { allow: 'GET' });
    if (path === '/api/session') {
      const session: Session = { csrfToken: context.csrfToken(), authRequired: context.auth !== null, readOnly: context.readOnly };
      return sendJson(res, 200, session);
    }
    if (path === '/api/overview') return sendJson(res, 200, await context.overview());
    if (path === '/api/series') return sendJson(res, 200, await context.series(numberParam(params, 'minutes') ?? 15));
    if (path === '/api/stream') return context.stream.add(res);
    if (path === '/api/tasks') {
      const filter: TaskFilter = {};
      const q = params.get('q');
      const state = params.get('state');
      const name = params.get('name');
      const limit = numberParam(params, 'limit');
      const before = numberParam(params, 'before');
      if (q) filter.q = q;
      if (state) filter.state = state.toUpperCase();
      if (name) filter.name = name;
      if (limit !== undefined) filter.limit = limit;
      if (before !== undefined) filter.before = before;
      return sendJson(res, 200, { tasks: await listTasks(context.store, filter) });
    }
    const task = /^\/api\/tasks\/([^/]+)$/.exec(path);
    if (task) {
      const detail = await readTaskDetail(context.store, context.backend, decodeURIComponent(task[1]!));
      return detail === null ? sendJson(res, 404, { error: `no task ${task[1]} in the dashboard's history` }) : sendJson(res, 200, detail);
    }
    return sendJson(res, 404, { error: `no such API: ${path}` });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    if (base !== '' && url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return sendJson(res, 404, { error: 'not found' });
    if (base !== '' && url.pathname === base) {
      // The page's URLs are relative (api/…): it must be served from a path ending in '/'.
      res.writeHead(302, { location: `${base}/${url.search}` });
      return void res.end();
    }
    const path = url.pathname.slice(base.length) || '/';
    const isApi = path === '/api' || path.startsWith('/api/');
    // Without auth the dashboard is for this machine only, however the server was bound.
    if (context.auth === null && !isLoopback(req.socket.localAddress ?? '')) {
      return sendJson(res, 403, { error: 'this dashboard has no auth configured and answers on loopback addresses only' });
    }
    if (!isApi) {
      const token = url.searchParams.get('token');
      if (token !== null && context.auth !== null && 'token' in context.auth) {
        if (!tokenMatches(context.auth, token)) {
          res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' });
          return void res.end('wrong token\n');
        }
        const secure = (req.socket as { encrypted?: boolean }).encrypted ? '; Secure' : '';
        res.writeHead(302, { location: `${base}/`, 'set-cookie': `${COOKIE_NAME}=${cookieValueOf(context.auth.token)}; HttpOnly; SameSite=Strict; Path=${base || '/'}${secure}` });
        return void res.end();
      }
    }
    const auth = checkAuth(context.auth, req);
    if (auth !== 'ok') {
      const basic = context.auth !== null && 'basic' in context.auth;
      const challenge = basic ? BASIC_CHALLENGE : {};
      if (isApi) return sendJson(res, 401, { ok: false, error: auth === 'missing' ? 'authentication required' : 'wrong credentials' }, challenge);
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', ...challenge });
      return void res.end(basic ? 'authentication required\n' : 'open the dashboard once with ?token=<token> (or send Authorization: Bearer <token>)\n');
    }
    if (isApi) return api(req, res, path, url.searchParams);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'GET only' }, { allow: 'GET' });
    return serveUi(await context.uiAssets(), path, res, req.method === 'HEAD');
  };

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof ActionError) return sendJson(res, error.status, { error: error.message });
      context.logger.error(`dashboard: ${req.method} ${req.url}: ${(error as Error).message}`);
      if (!res.headersSent) sendJson(res, 500, { error: (error as Error).message });
      else res.end();
    });
  };
}
