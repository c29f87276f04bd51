/**
 * Celery's `result_expires` (seconds) as the option each result backend created from a URL reads:
 * `expires` in seconds on Redis (0 = forever) and rpc:// (reply queues; must be > 0, so 0 keeps its
 * default), in milliseconds on memory:// (0 = forever, its default).
 */
import { urlScheme } from '../registry.js';

/**
 * The backend options with `expires` set from `resultExpires`, unless they set it themselves.
 * @example backendOptionsWithExpires('redis://localhost', {}, 3600) // { expires: 3600 }
 */
export function backendOptionsWithExpires(url: string, options: Readonly<Record<string, unknown>> | undefined, resultExpires: number | undefined): Record<string, unknown> {
  const out = { ...options };
  if (resultExpires === undefined || out['expires'] !== undefined) return out;
  const scheme = urlScheme(url);
  if (scheme === 'memory') {
    if (resultExpires > 0) out['expires'] = resultExpires * 1000;
  } else if (scheme === 'rpc') {
    if (resultExpires > 0) out['expires'] = resultExpires;
  } else {
    out['expires'] = resultExpires;
  }
  return out;
}
