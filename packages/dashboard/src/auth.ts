/**
 * Who may use the dashboard. No auth configured: only requests arriving on a loopback address are
 * served (and `startDashboard` refuses to listen anywhere else). A token: sent once as
 * `/?token=<t>`, answered with an HttpOnly SameSite=Strict cookie and a redirect, or sent as
 * `Authorization: Bearer <t>`. Basic auth: the browser's own prompt. CSRF: every action carries
 * the session's token in the `X-Celerity-CSRF` header, which a cross-site form or image cannot
 * send, and a JSON content type.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ConfigurationError } from '@celerity/core';

/** How the dashboard checks callers. */
export type DashboardAuth = { token: string } | { basic: { username: string; password: string } };

export const COOKIE_NAME = 'celerity_dashboard';

/** Whether an address or host name is a loopback one (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').replace(/^::ffff:/, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** `user:pass` as basic credentials. */
export function parseBasicAuth(value: string): { username: string; password: string } {
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) throw new ConfigurationError(`basic auth must be user:password, got '${value.replace(/:.*/, ':…')}'`);
  return { username: value.slice(0, colon), password: value.slice(colon + 1) };
}

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function cookies(req: IncomingMessage): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) found.set(part.slice(0, eq).trim(), decodeURIComponent(part.slice(eq + 1).trim()));
  }
  return found;
}

/** The cookie value standing for a token: an HMAC of it, so the cookie is not the token itself. */
export function cookieValueOf(token: string): string {
  return createHmac('sha256', token).update('celerity-dashboard-session').digest('base64url');
}

/** What a request's credentials amount to. */
export type AuthOutcome = 'ok' | 'missing' | 'wrong';

export function checkAuth(auth: DashboardAuth | null, req: IncomingMessage): AuthOutcome {
  if (auth === null) return 'ok';
  const header = req.headers.authorization ?? '';
  if ('token' in auth) {
    if (header.startsWith('Bearer ')) return same(header.slice(7).trim(), auth.token) ? 'ok' : 'wrong';
    const cookie = cookies(req).get(COOKIE_NAME);
    if (cookie === undefined) return 'missing';
    return same(cookie, cookieValueOf(auth.token)) ? 'ok' : 'wrong';
  }
  if (!header.startsWith('Basic ')) return 'missing';
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  return same(decoded, `${auth.basic.username}:${auth.basic.password}`) ? 'ok' : 'wrong';
}

/** Whether `?token=` carries the configured token. */
export function tokenMatches(auth: DashboardAuth | null, given: string): boolean {
  return auth !== null && 'token' in auth && same(given, auth.token);
}

/** The CSRF header's check. */
export function csrfMatches(req: IncomingMessage, expected: string): boolean {
  const given = req.headers['x-celerity-csrf'];
  return typeof given === 'string' && same(given, expected);
}
