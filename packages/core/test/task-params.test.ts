import { describe, expect, it } from 'vitest';
import { defineTask } from '@celerity/core';
import { bindArguments, parseParameterNames } from '../src/task-params.js';

describe('parseParameterNames', () => {
  it('reads arrow, function and default parameters and drops a trailing context', () => {
    expect(parseParameterNames((x: number, y: number) => x + y)).toEqual(['x', 'y']);
    expect(parseParameterNames(async function add(a: number, b = 2, ctx?: unknown) { return [a, b, ctx]; })).toEqual(['a', 'b?']);
    expect(parseParameterNames((x: number) => x)).toEqual(['x']);
    expect(parseParameterNames((a: string, ...rest: number[]) => [a, rest])).toEqual(['a', '...rest']);
    expect(parseParameterNames(({ a }: { a: number }, b = Math.max(1, 2)) => [a, b])).toEqual(['arg0', 'b?']);
  });
});

describe('bindArguments', () => {
  it('maps keywords onto parameters', () => {
    expect(bindArguments('add', ['x', 'y'], [2], { y: 3 })).toEqual([2, 3]);
    expect(bindArguments('add', ['x', 'y'], [], { y: 3, x: 1 })).toEqual([1, 3]);
    expect(bindArguments('f', ['x', 'y?', 'z'], [], { x: 1, z: 3 })).toEqual([1, undefined, 3]);
  });
  it('fails like Python', () => {
    expect(() => bindArguments('add', ['x', 'y'], [1], { z: 3 })).toThrow("add() got an unexpected keyword argument 'z'");
    expect(() => bindArguments('add', ['x', 'y'], [1], { x: 3 })).toThrow("add() got multiple values for argument 'x'");
    expect(() => bindArguments('add', ['x', 'y'], [1], {})).toThrow("add() missing 1 required positional argument: 'y'");
    expect(() => bindArguments('add', ['x', 'y'], [1, 2, 3], {})).toThrow('add() takes 2 positional arguments but 3 were given');
  });
  it('uses explicit params from the definition', () => {
    const add = defineTask({ name: 'tasks.add', params: ['x', 'y'] }, (a: number, b: number) => a + b);
    expect(add.params).toEqual(['x', 'y']);
    expect(add.name).toBe('tasks.add');
  });
});
