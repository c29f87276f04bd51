/**
 * The one URL redactor: every broker or backend URL that goes into an error message, a log line or
 * the worker banner passes through it. It works on the text, not on a parsed URL, so that a URL
 * too broken to parse (a bad port, a raw `/` or `@` in the password) is hidden all the same, and
 * it never decodes anything: the password's raw text is replaced whole, so neither its
 * percent-encoded nor its decoded form can show.
 */

/** What stands in for a password: kombu's and Celery's mask (`redis://:**@host`). */
const MASK = '**';

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
// kombu accepts several URLs separated by `;` (failover); each one is redacted on its own.
const NEXT_URL = /;(?=[a-z][a-z0-9+.-]*:\/\/)/i;
// redis-py turns unknown query options into client arguments, so `?password=` is a password too.
const QUERY_SECRET = /([?&;](?:password|passwd|pass)=)[^&;#]*/gi;

function redactOne(url: string): string {
  const scheme = SCHEME.exec(url)?.[0] ?? '';
  let rest = url.slice(scheme.length);
  // The user info ends at the authority's last `@`. When the authority (up to the first `/`, `?` or
  // `#`) has none but an `@` comes later, a raw `/`, `?` or `#` in the password cut it short: the
  // user info then runs to the last `@` (hiding too much is fine, showing a secret is not).
  const end = rest.search(/[/?#]/);
  let at = (end < 0 ? rest : rest.slice(0, end)).lastIndexOf('@');
  if (at < 0) at = rest.lastIndexOf('@');
  if (at >= 0) {
    const colon = rest.indexOf(':');
    if (colon >= 0 && colon < at) rest = `${rest.slice(0, colon + 1)}${MASK}${rest.slice(at)}`;
  }
  return scheme + rest.replace(QUERY_SECRET, `$1${MASK}`);
}

/**
 * A URL with its password replaced by `**` (user name, host, port, path and options kept), for
 * error messages, logs and banners. Works on `redis://`, `rediss://`, `amqp://`, `amqps://` and any
 * other scheme, and on strings that do not parse as URLs; a string without credentials comes back
 * unchanged.
 * @example
 * redactUrl('amqp://guest:s%40cret@rabbit:5672//'); // 'amqp://guest:**@rabbit:5672//'
 * redactUrl('redis://:secret@cache:6379/0');         // 'redis://:**@cache:6379/0'
 */
export function redactUrl(url: string): string {
  return url.split(NEXT_URL).map(redactOne).join(';');
}
