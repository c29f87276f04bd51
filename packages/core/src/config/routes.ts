/**
 * Celery's `task_routes`: where a task goes when neither the send nor the task's definition names a
 * queue. Routes are looked up in order; the first that answers wins. A map routes by exact name,
 * then by glob (`'images.*'`, matched from the start of the name as Celery's `glob_to_re` does) or
 * regular expression, in the order given; a function decides for itself.
 */
import { ConfigurationError } from '../errors.js';

/** Where a route sends a task (Celery's route dict: `queue`, `exchange`, `routing_key`, `priority`). */
export interface Route {
  queue?: string;
  exchange?: string;
  routingKey?: string;
  priority?: number;
}

/**
 * A router function, as Celery's `(name, args, kwargs, options, task=None)`: a route, a queue name,
 * or nothing (`null` / `undefined`) to let the next router decide.
 */
export type RouterFunction = (name: string, args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>, options: Readonly<Record<string, unknown>>) => Route | string | null | undefined;

/** A map of task names, globs (`'images.*'`) or expressions to a route or a queue name. */
export type RouteMap = Readonly<Record<string, Route | string>> | ReadonlyArray<readonly [string | RegExp, Route | string]>;

/**
 * Celery's `task_routes`: one map, one function, or a list of both, tried in order.
 * @example { 'images.resize': 'images', 'feeds.*': { queue: 'feeds', priority: 3 } }
 * @example [{ 'tasks.add': 'math' }, (name) => (name.startsWith('io.') ? 'io' : null)]
 */
export type TaskRoutes = RouteMap | RouterFunction | ReadonlyArray<RouteMap | RouterFunction>;

/** A compiled `taskRoutes`: the route for one send, or `undefined` when no router answers. */
export type TaskRouter = (name: string, args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>, options: Readonly<Record<string, unknown>>) => Route | undefined;

const ROUTE_KEYS = new Set(['queue', 'exchange', 'routingKey', 'priority']);

/** Celery's `glob_to_re`: punctuation other than `*` is literal, `*` is `.*`, anchored at the start only. */
function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&').replace(/\*/g, '.*')}`);
}

/** Checks one route value and turns a queue name into a route; names the key of the bad one. */
function checkRoute(value: unknown, where: string): Route {
  if (typeof value === 'string') {
    if (value === '') throw new ConfigurationError(`taskRoutes${where}: a queue name must not be empty`);
    return { queue: value };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigurationError(`taskRoutes${where}: expected a queue name or { queue, exchange, routingKey, priority }, got ${JSON.stringify(value)}`);
  const route = value as Record<string, unknown>;
  for (const key of Object.keys(route)) {
    if (!ROUTE_KEYS.has(key)) throw new ConfigurationError(`taskRoutes${where}: unknown key '${key}' (expected queue, exchange, routingKey or priority)`);
  }
  for (const key of ['queue', 'exchange', 'routingKey'] as const) {
    if (route[key] !== undefined && typeof route[key] !== 'string') throw new ConfigurationError(`taskRoutes${where}.${key} must be a string, got ${JSON.stringify(route[key])}`);
  }
  const priority = route['priority'];
  if (priority !== undefined && (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > 255)) {
    throw new ConfigurationError(`taskRoutes${where}.priority must be an integer 0–255, got ${JSON.stringify(priority)}`);
  }
  return route as Route;
}

function compileMap(map: RouteMap, where: string): TaskRouter {
  const exact = new Map<string, Route>();
  const patterns: Array<[RegExp, Route]> = [];
  const entries: ReadonlyArray<readonly [string | RegExp, unknown]> = Array.isArray(map) ? (map as ReadonlyArray<readonly [string | RegExp, unknown]>) : Object.entries(map);
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length !== 2) throw new ConfigurationError(`taskRoutes${where}: expected [pattern, route] pairs`);
    const [key, value] = entry;
    const label = `${where}[${JSON.stringify(String(key))}]`;
    const route = checkRoute(value, label);
    if (key instanceof RegExp) patterns.push([key, route]);
    else if (typeof key === 'string' && key.includes('*')) patterns.push([globToRegExp(key), route]);
    else if (typeof key === 'string') exact.set(key, route);
    else throw new ConfigurationError(`taskRoutes${where}: a pattern must be a string or a RegExp`);
  }
  return (name) => {
    const found = exact.get(name);
    if (found !== undefined) return found;
    for (const [regex, route] of patterns) if (regex.test(name)) return route;
    return undefined;
  };
}

function compileFunction(router: RouterFunction, where: string): TaskRouter {
  return (name, args, kwargs, options) => {
    const answer = router(name, args, kwargs, options);
    return answer === null || answer === undefined ? undefined : checkRoute(answer, `${where} (returned for ${name})`);
  };
}

/**
 * Compiles `taskRoutes` once (globs to expressions, every route checked); throws a
 * `ConfigurationError` naming the bad entry. `undefined` when there are no routes, so senders skip
 * routing altogether.
 * @example
 * const route = createTaskRouter({ 'images.*': 'images' });
 * route?.('images.resize', [], {}, {}); // { queue: 'images' }
 */
export function createTaskRouter(routes: TaskRoutes | undefined): TaskRouter | undefined {
  if (routes === undefined) return undefined;
  // A top-level list is a list of routers (Celery's tuple), unless it is one map written as pairs.
  const list: ReadonlyArray<RouteMap | RouterFunction> = !Array.isArray(routes) || isPairList(routes) ? [routes as RouteMap | RouterFunction] : (routes as ReadonlyArray<RouteMap | RouterFunction>);
  if (list.length === 0) return undefined;
  const routers = list.map((r, i) => {
    const where = list.length === 1 && !Array.isArray(routes) ? '' : `[${i}]`;
    if (typeof r === 'function') return compileFunction(r, where);
    if (typeof r === 'object' && r !== null) return compileMap(r, where);
    throw new ConfigurationError(`taskRoutes${where}: expected a map of routes or a router function, got ${JSON.stringify(r)}`);
  });
  if (routers.length === 1) return routers[0];
  return (name, args, kwargs, options) => {
    for (const router of routers) {
      const route = router(name, args, kwargs, options);
      if (route !== undefined) return route;
    }
    return undefined;
  };
}

/** Whether a list is one map written as `[pattern, route]` pairs rather than a list of routers. */
function isPairList(routes: readonly unknown[]): boolean {
  return routes.length > 0 && routes.every((r) => Array.isArray(r) && r.length === 2 && (typeof r[0] === 'string' || r[0] instanceof RegExp) && !Array.isArray(r[1]));
}
