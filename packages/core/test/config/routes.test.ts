import { describe, expect, it } from 'vitest';
import { ConfigurationError, chunks, createTaskRouter, defineTask, map, starmap } from '@celerity/core';
import type { ResolveContext } from '@celerity/core/internal';
import { resolveSend } from '@celerity/core/internal';

describe('createTaskRouter (Celery task_routes)', () => {
  it('is undefined without routes, so senders skip routing', () => {
    expect(createTaskRouter(undefined)).toBeUndefined();
    expect(createTaskRouter([])).toBeUndefined();
  });

  it('routes by exact name before globs, globs in order, a queue name as { queue }', () => {
    const route = createTaskRouter({ 'images.*': 'images', 'images.resize': { queue: 'resize', priority: 5 }, '*.thumb*': 'thumbs' })!;
    expect(route('images.resize', [], {}, {})).toEqual({ queue: 'resize', priority: 5 });
    expect(route('images.crop', [], {}, {})).toEqual({ queue: 'images' });
    expect(route('video.thumbnail', [], {}, {})).toEqual({ queue: 'thumbs' });
    expect(route('tasks.add', [], {}, {})).toBeUndefined();
  });

  it("matches globs from the start of the name only, dots literal (Celery's glob_to_re)", () => {
    const route = createTaskRouter({ 'images.*': 'images' })!;
    expect(route('xx.images.resize', [], {}, {})).toBeUndefined();
    expect(route('imagesXresize', [], {}, {})).toBeUndefined();
  });

  it('takes [pattern, route] pairs with regular expressions, and a list of routers tried in order', () => {
    const calls: string[] = [];
    const route = createTaskRouter([
      [[/^(video|image)\.tasks\./, 'media']],
      (name, args) => {
        calls.push(name);
        return args[0] === 'big' ? { queue: 'big', routingKey: 'big.key', exchange: 'ex' } : null;
      },
      { '*': 'fallback' },
    ])!;
    expect(route('video.tasks.encode', [], {}, {})).toEqual({ queue: 'media' });
    expect(route('tasks.add', ['big'], {}, {})).toEqual({ queue: 'big', routingKey: 'big.key', exchange: 'ex' });
    expect(route('tasks.add', ['small'], {}, {})).toEqual({ queue: 'fallback' });
    expect(calls).toEqual(['tasks.add', 'tasks.add']);
  });

  it('refuses bad routes with a ConfigurationError naming the entry', () => {
    expect(() => createTaskRouter({ 'a.*': '' })).toThrow(ConfigurationError);
    expect(() => createTaskRouter({ a: { queue: 1 } as never })).toThrow(/taskRoutes\["a"\]\.queue must be a string/);
    expect(() => createTaskRouter({ a: { priority: 300 } })).toThrow(/priority must be an integer/);
    const route = createTaskRouter(() => ({ queue: 'q', bogus: 1 }) as never)!;
    expect(() => route('t', [], {}, {})).toThrow(/unknown key 'bogus'/);
  });
});

describe('routing in resolveSend', () => {
  const context = (routes: Parameters<typeof createTaskRouter>[0]): ResolveContext => ({
    defaultQueue: 'default',
    now: () => new Date(0),
    generateId: () => 'id-1',
    route: createTaskRouter(routes)!,
  });
  const routes = { 'images.*': { queue: 'images', exchange: 'media', routingKey: 'img', priority: 7 } };

  it('sends a task no option or definition places where its route says, with its exchange, key and priority', () => {
    const sent = resolveSend('images.resize', undefined, [], undefined, undefined, context(routes));
    expect(sent.target).toEqual({ queue: 'images', exchange: 'media', routingKey: 'img' });
    expect(sent.init.priority).toBe(7);
  });

  it("lets the send's options and then the task's definition win over the route, as in Celery", () => {
    const fromOptions = resolveSend('images.resize', undefined, [], undefined, { queue: 'mine', priority: 1 }, context(routes));
    expect(fromOptions.target).toEqual({ queue: 'mine' });
    expect(fromOptions.init.priority).toBe(1);
    const definition = defineTask({ name: 'images.resize', queue: 'defined' }, () => 1);
    const fromDefinition = resolveSend('images.resize', definition, [], undefined, undefined, context(routes));
    expect(fromDefinition.target).toEqual({ queue: 'defined' });
    expect(fromDefinition.init.priority).toBe(7);
  });

  it("routes map, starmap and chunks messages by the task they call, as Celery's route_name does", () => {
    const resize = defineTask({ name: 'images.resize', params: ['path'] }, (path: string) => path);
    for (const sig of [map(resize, ['a.png']), starmap(resize, [['a.png']]), chunks(resize, [['a.png']], 1), map('images.crop', ['b.png'])]) {
      const sent = resolveSend(sig.task, undefined, sig.args, sig.kwargs, undefined, context(routes));
      expect(sent.target).toEqual({ queue: 'images', exchange: 'media', routingKey: 'img' });
      expect(sent.init.task).toBe(sig.task);
    }
    // Another task's name in a kwarg of an ordinary task changes nothing.
    expect(resolveSend('tasks.add', undefined, [], { task: 'images.resize' }, undefined, context(routes)).target).toEqual({ queue: 'default' });
  });

  it('falls back to the default queue when no route answers', () => {
    expect(resolveSend('tasks.add', undefined, [], undefined, undefined, context(routes)).target).toEqual({ queue: 'default' });
  });
});
