/**
 * Hash routes, so the server needs no routing of its own and the page works under any prefix:
 * `#/`, `#/tasks`, `#/tasks/<id>`, `#/queues`, `#/workers`.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route = { view: 'overview' } | { view: 'tasks' } | { view: 'task'; id: string } | { view: 'queues' } | { view: 'workers' } | { view: 'missing'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  if (path === '/' || path === '') return { view: 'overview' };
  if (path === '/tasks') return { view: 'tasks' };
  if (path === '/queues') return { view: 'queues' };
  if (path === '/workers') return { view: 'workers' };
  const task = /^\/tasks\/(.+)$/.exec(path);
  if (task?.[1]) return { view: 'task', id: decodeURIComponent(task[1]) };
  return { view: 'missing', path };
}

export const taskHref = (id: string): string => `#/tasks/${encodeURIComponent(id)}`;

/** The current route, following `hashchange`. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    // The hash may have changed between the first render and this effect (a link followed while the
    // page was still starting): that hashchange came before the listener, so read it again now.
    onChange();
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
