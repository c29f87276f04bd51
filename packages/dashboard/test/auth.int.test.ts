// Auth and CSRF as the contract says: none on loopback by default (and only loopback requests
// served then), a refusal to listen elsewhere without auth, the token's cookie flow and bearer
// header, basic auth with the browser's prompt, 403 without the CSRF header, 415 without JSON,
// 401 without credentials, and read-only dashboards refusing actions.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisBroker } from '@celerity/broker-redis';
import { ConfigurationError } from '@celerity/core';
import { createDashboard, startDashboard, type DashboardServer, type StartDashboardOptions } from '../src/index.js';
import { REDIS_URL, usePrefixes } from './store-helpers.js';

const newPrefix = usePrefixes();
const servers: DashboardServer[] = [];
const brokers: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const server of servers) await server.close();
  for (const broker of brokers) await broker.close();
});

async function serve(options: Partial<StartDashboardOptions>): Promise<DashboardServer> {
  const prefix = newPrefix();
  const broker = createRedisBroker({ url: REDIS_URL, keyPrefix: prefix });
  brokers.push(broker);
  const server = await startDashboard({ broker, store: REDIS_URL, storePrefix: `${prefix}dashboard:`, port: 0, ...options });
  servers.push(server);
  return server;
}

const post = (url: string, headers: Record<string, string>, body = '{"queue":"auth-test"}'): Promise<Response> => fetch(`${url}api/actions/purge`, { method: 'POST', headers, body });

describe('without auth', () => {
  it('refuses to listen on a non-loopback address', async () => {
    const broker = createRedisBroker({ url: REDIS_URL, keyPrefix: newPrefix() });
    brokers.push(broker);
    await expect(startDashboard({ broker, store: REDIS_URL, host: '0.0.0.0', port: 0 })).rejects.toThrow(ConfigurationError);
    await expect(startDashboard({ broker, store: REDIS_URL, host: '0.0.0.0', port: 0 })).rejects.toThrow(/refusing to serve the dashboard on 0\.0\.0\.0 without auth/);
  });

  it('on loopback: no auth; actions need the CSRF header (403) and JSON (415)', async () => {
    const server = await serve({});
    const session = (await (await fetch(`${server.url}api/session`)).json()) as { csrfToken: string; authRequired: boolean; readOnly: boolean };
    expect(session).toMatchObject({ authRequired: false, readOnly: false });
    expect((await post(server.url, { 'content-type': 'application/json' })).status).toBe(403);
    expect((await post(server.url, { 'content-type': 'application/json', 'x-celerity-csrf': 'wrong' })).status).toBe(403);
    const form = await post(server.url, { 'content-type': 'application/x-www-form-urlencoded', 'x-celerity-csrf': session.csrfToken }, 'queue=auth-test');
    expect(form.status).toBe(415);
    expect(await form.json()).toEqual({ ok: false, error: expect.stringContaining('application/json') });
    const ok = await post(server.url, { 'content-type': 'application/json; charset=utf-8', 'x-celerity-csrf': session.csrfToken });
    expect(await ok.json()).toEqual({ ok: true, detail: { queue: 'auth-test', purged: 0 } });
    expect((await post(server.url, { 'content-type': 'application/json', 'x-celerity-csrf': session.csrfToken }, '{"queue": 5}')).status).toBe(400);
    expect((await post(server.url, { 'content-type': 'application/json', 'x-celerity-csrf': session.csrfToken }, 'not json')).status).toBe(400);
    const unknown = await fetch(`${server.url}api/actions/explode`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-celerity-csrf': session.csrfToken }, body: '{}' });
    expect(unknown.status).toBe(404);
  });

  it('a read-only dashboard refuses actions', async () => {
    const server = await serve({ readOnly: true });
    const session = (await (await fetch(`${server.url}api/session`)).json()) as { csrfToken: string; readOnly: boolean };
    expect(session.readOnly).toBe(true);
    const res = await post(server.url, { 'content-type': 'application/json', 'x-celerity-csrf': session.csrfToken });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ ok: false, error: 'this dashboard is read-only' });
  });

  const external = Object.values(networkInterfaces()).flat().find((a) => a?.family === 'IPv4' && !a.internal)?.address;
  it.skipIf(external === undefined)('a handler mounted on a non-loopback address answers 403 while no auth is configured', async () => {
    const prefix = newPrefix();
    const broker = createRedisBroker({ url: REDIS_URL, keyPrefix: prefix });
    brokers.push(broker);
    const dashboard = createDashboard({ broker, store: REDIS_URL, storePrefix: `${prefix}dashboard:` });
    const http = createServer(dashboard.handler);
    await new Promise<void>((resolve) => http.listen(0, external, resolve));
    try {
      const res = await fetch(`http://${external}:${(http.address() as AddressInfo).port}/api/session`);
      expect(res.status).toBe(403);
    } finally {
      http.close();
      await dashboard.close();
    }
  });
});

describe('token auth', () => {
  it('?token= sets an HttpOnly SameSite=Strict cookie and redirects; Bearer works too; nothing without them', async () => {
    const token = 'a-long-enough-token';
    const server = await serve({ auth: { token }, host: '0.0.0.0' });
    const base = `http://127.0.0.1:${server.port}/`;
    expect((await fetch(`${base}api/overview`)).status).toBe(401);
    expect((await fetch(`${base}api/overview`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${base}api/overview`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(base)).status).toBe(401);
    expect((await fetch(`${base}?token=wrong`, { redirect: 'manual' })).status).toBe(401);

    const opened = await fetch(`${base}?token=${token}`, { redirect: 'manual' });
    expect(opened.status).toBe(302);
    expect(opened.headers.get('location')).toBe('/');
    const cookie = opened.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(token);
    const pair = cookie.split(';')[0]!;
    const session = (await (await fetch(`${base}api/session`, { headers: { cookie: pair } })).json()) as { csrfToken: string; authRequired: boolean };
    expect(session.authRequired).toBe(true);
    expect((await fetch(base, { headers: { cookie: pair } })).status).toBe(200);
    // An action: the cookie alone is not enough (CSRF), the CSRF header alone neither (auth).
    expect((await post(base, { 'content-type': 'application/json', cookie: pair })).status).toBe(403);
    expect((await post(base, { 'content-type': 'application/json', 'x-celerity-csrf': session.csrfToken })).status).toBe(401);
    expect((await post(base, { 'content-type': 'application/json', 'x-celerity-csrf': session.csrfToken, cookie: pair })).status).toBe(200);
    expect((await post(base, { 'content-type': 'application/json', 'x-celerity-csrf': session.csrfToken, cookie: `${pair}x` })).status).toBe(401);
  });
});

describe('basic auth', () => {
  it('answers 401 with the browser prompt until the credentials come', async () => {
    const server = await serve({ auth: { basic: { username: 'ops', password: 'pa:ss' } } });
    const denied = await fetch(server.url);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const api = await fetch(`${server.url}api/overview`);
    expect(api.status).toBe(401);
    expect(api.headers.get('www-authenticate')).toMatch(/^Basic/);
    const wrong = `Basic ${Buffer.from('ops:nope').toString('base64')}`;
    expect((await fetch(server.url, { headers: { authorization: wrong } })).status).toBe(401);
    const right = `Basic ${Buffer.from('ops:pa:ss').toString('base64')}`;
    expect((await fetch(`${server.url}api/overview`, { headers: { authorization: right } })).status).toBe(200);
    const session = (await (await fetch(`${server.url}api/session`, { headers: { authorization: right } })).json()) as { csrfToken: string };
    expect((await post(server.url, { 'content-type': 'application/json', 'x-celerity-csrf': session.csrfToken, authorization: right })).status).toBe(200);
  });
});

describe('mounted under a path', () => {
  it('answers under basePath only, and sends /ops to /ops/ (the page uses relative URLs)', async () => {
    const prefix = newPrefix();
    const broker = createRedisBroker({ url: REDIS_URL, keyPrefix: prefix });
    brokers.push(broker);
    const dashboard = createDashboard({ broker, store: REDIS_URL, storePrefix: `${prefix}dashboard:`, basePath: '/ops' });
    await dashboard.start();
    const http = createServer((req, res) => (req.url?.startsWith('/ops') ? dashboard.handler(req, res) : res.end('the app')));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    try {
      const bare = await fetch(`${base}/ops`, { redirect: 'manual' });
      expect(bare.status).toBe(302);
      expect(bare.headers.get('location')).toBe('/ops/');
      expect((await fetch(`${base}/ops/api/session`)).status).toBe(200);
      expect(await (await fetch(`${base}/ops/`)).text()).toMatch(/Celerity dashboard/);
      expect(await (await fetch(`${base}/elsewhere`)).text()).toBe('the app');
      expect((await fetch(`${base}/opsx/api/session`)).status).toBe(404);
    } finally {
      http.close();
      await dashboard.close();
    }
  });
});
