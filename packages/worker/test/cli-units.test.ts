// The pieces of the `celerity` command that need no server: Celery's options before the command,
// Celery's control command table and reply printing, flag values, and our frames told from the user's.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import pc from 'picocolors';
import { UsageError, describeFailure } from '../src/cli/cli-errors.js';
import { compileArguments, renderCommandList } from '../src/cli/control-catalog.js';
import { mergeReplies, prettyReply, renderNodeReply, renderNodesOnline } from '../src/cli/control-output.js';
import { dateFlag, jsonFlag, positiveSecondsFlag, priorityFlag, secondsFlag } from '../src/cli/flag-values.js';
import { GlobalOptionError, commandArguments, splitCommandLine } from '../src/cli/global-options.js';
import { isInternalPath, stripInternalFrames, userStackFrames } from '../src/cli/internal-frames.js';
import { renderTable } from '../src/cli/output.js';

const plain = pc.createColors(false);

describe("Celery's options before the command", () => {
  it('moves -A/--app, -b, --result-backend before the command behind it', () => {
    const split = splitCommandLine(['-A', 'tasks.ts', '--broker=redis://h/1', 'worker', '-c', '2']);
    expect(split.command).toBe('worker');
    expect(commandArguments(split, new Set(['app', 'broker']))).toEqual(['--app', 'tasks.ts', '--broker', 'redis://h/1', '-c', '2']);
  });

  it('drops the ones a command does not read, and keeps -Aname glued', () => {
    const split = splitCommandLine(['-Atasks.ts', 'inspect', 'ping']);
    expect(commandArguments(split, new Set(['broker']))).toEqual(['ping']);
    expect(commandArguments(split, new Set(['app']))).toEqual(['--app', 'tasks.ts', 'ping']);
  });

  it('refuses an unknown option, or one without its value, before the command', () => {
    expect(() => splitCommandLine(['-c', '2', 'worker'])).toThrow(GlobalOptionError);
    expect(() => splitCommandLine(['-A'])).toThrow("option '-A' needs a value");
  });

  it('leaves --help and --version to the caller', () => {
    expect(splitCommandLine(['--help']).command).toBe('--help');
    expect(splitCommandLine([]).command).toBeUndefined();
  });
});

describe("Celery's control commands", () => {
  it('types positionals as Celery does, and gives the rest to the variadic argument', () => {
    expect(compileArguments('control', 'rate_limit', ['tasks.add', '5/s'])).toEqual({ task_name: 'tasks.add', rate_limit: '5/s' });
    expect(compileArguments('control', 'time_limit', ['tasks.add', '1.5', '3'])).toEqual({ task_name: 'tasks.add', soft: 1.5, hard: 3 });
    expect(compileArguments('control', 'terminate', ['SIGKILL', 'a', 'b'])).toEqual({ signal: 'SIGKILL', task_id: ['a', 'b'] });
    expect(compileArguments('inspect', 'registered', [])).toEqual({ taskinfoitems: [] });
    expect(compileArguments('inspect', 'conf', ['yes'])).toEqual({ with_defaults: true });
    expect(compileArguments('control', 'pool_grow', [])).toEqual({});
  });

  it('refuses a command of the other kind, a bad number and too many words', () => {
    expect(() => compileArguments('inspect', 'shutdown', [])).toThrow(/Command shutdown not recognized\. Available inspect commands: active, active_queues/);
    expect(() => compileArguments('control', 'pool_grow', ['many'])).toThrow("pool_grow: n takes a whole number, got 'many'");
    expect(() => compileArguments('inspect', 'ping', ['extra'])).toThrow(UsageError);
  });

  it('lists the commands with their signatures', () => {
    const list = renderCommandList('control');
    expect(list).toMatch(/^Control Commands:\n/);
    expect(list).toMatch(/ {2}rate_limit <task_name> <rate_limit \(e\.g\., 5\/s \| 5\/m \| 5\/h\)> {2,}Tell worker\(s\) to modify the rate limit/);
    expect(list).not.toContain('registered');
  });
});

describe('replies printed the way Celery prints them', () => {
  it('ping: "->  node: OK" and the reply indented by 8', () => {
    expect(renderNodeReply('w1@h', { ok: 'pong' }, plain, true)).toBe('->  w1@h: OK\n        pong\n');
    expect(renderNodeReply('w1@h', { ok: 'pong' }, plain, false)).toBe('->  w1@h: OK\n');
  });

  it('errors say ERROR; lists are starred, empty ones "- empty -"; objects are sorted JSON', () => {
    expect(renderNodeReply('w1@h', { error: 'No such task' }, plain, true)).toBe('->  w1@h: ERROR\n        No such task\n');
    expect(prettyReply(['a', 'b'], plain).text).toBe('* a\n* b');
    expect(prettyReply([], plain).text).toBe('- empty -');
    expect(prettyReply({ b: 1, a: { d: 2, c: 3 } }, plain).text).toBe('{\n    "a": {\n        "c": 3,\n        "d": 2\n    },\n    "b": 1\n}');
  });

  it('colours on request, and the closing count', () => {
    expect(renderNodeReply('w1@h', { ok: 'pong' }, pc.createColors(true), false)).toContain('\u001b[32m');
    expect(renderNodesOnline(1)).toBe('\n1 node online.\n');
    expect(renderNodesOnline(2)).toBe('\n2 nodes online.\n');
    expect(mergeReplies([{ a: 1 }, { b: 2 }])).toEqual({ a: 1, b: 2 });
  });
});

describe('flag values', () => {
  it('name the flag and what it takes', () => {
    expect(() => secondsFlag('countdown', 'abc')).toThrow("--countdown takes a number of seconds ≥ 0, got 'abc'");
    expect(() => dateFlag('eta', 'tomorrow')).toThrow("--eta takes an ISO 8601 date and time (e.g. 2030-01-31T12:00:00Z), got 'tomorrow'");
    expect(() => priorityFlag('priority', 'high')).toThrow("--priority takes a whole number from 0 to 255 (0–9 on Redis), got 'high'");
    expect(() => positiveSecondsFlag('timeout', 'abc', 60)).toThrow("--timeout takes a number of seconds > 0, got 'abc'");
    expect(() => jsonFlag('args', '[1,', [])).toThrow(/^--args is not valid JSON: /);
  });

  it('read good values', () => {
    expect(secondsFlag('countdown', '1.5')).toBe(1.5);
    expect(dateFlag('eta', '2030-01-31T12:00:00Z')?.toISOString()).toBe('2030-01-31T12:00:00.000Z');
    expect(priorityFlag('priority', '9')).toBe(9);
    expect(positiveSecondsFlag('timeout', undefined, 60)).toBe(60);
  });
});

describe('errors in one line', () => {
  it('a refused connection names the server without its password', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const wrapped = new Error('AMQP connect failed', { cause: refused });
    expect(describeFailure(wrapped, 'amqp://guest:secret@127.0.0.1:1//')).toEqual({ line: 'cannot connect to amqp://guest:**@127.0.0.1:1//: connection refused (ECONNREFUSED)', exitCode: 1 });
  });

  it('a refused login says so', () => {
    expect(describeFailure(new Error('AMQP connect failed: Handshake terminated by server: 403 (ACCESS-REFUSED)'), 'amqp://guest:bad@h//').line).toMatch(/^cannot connect to amqp:\/\/guest:\*+@h\/\/: wrong user name or password/);
  });
});

describe('our frames and the user’s', () => {
  const ours = fileURLToPath(new URL('../src/execute.ts', import.meta.url));
  const theirs = fileURLToPath(new URL('./fixtures/cli-tasks.ts', import.meta.url));

  it('tells them apart', () => {
    expect(isInternalPath(ours)).toBe(true);
    expect(isInternalPath('/app/node_modules/@celerity/core/dist/execution/trace.js')).toBe(true);
    expect(isInternalPath('node:internal/process/task_queues')).toBe(true);
    expect(isInternalPath(theirs)).toBe(false);
    expect(isInternalPath('/app/src/tasks.js')).toBe(false);
  });

  it('drops the frames of ours above the first of the user’s in a stored traceback', () => {
    const traceback = ['Traceback (most recent call last):', `  File "${ours}", line 10, in run`, '  File "node:internal/process/task_queues", line 105, in processTicks', `  File "${theirs}", line 5, in checkPositive`, 'RangeError: negative: -1', ''].join('\n');
    expect(stripInternalFrames(traceback)).toBe(['Traceback (most recent call last):', `  File "${theirs}", line 5, in checkPositive`, 'RangeError: negative: -1', ''].join('\n'));
  });

  it('keeps a traceback with no frame of the user’s whole', () => {
    const traceback = `Traceback (most recent call last):\n  File "${ours}", line 10, in run\nNotRegistered: 'x'\n`;
    expect(stripInternalFrames(traceback)).toBe(traceback);
  });

  it('keeps the user’s frames of a V8 stack', () => {
    const stack = `Error: boom\n    at readSettings (file://${theirs}:3:9)\n    at ModuleJob.run (node:internal/modules/esm/module_job:271:25)\n    at importUserModule (${ours}:5:1)`;
    expect(userStackFrames(stack)).toEqual([`at readSettings (file://${theirs}:3:9)`]);
  });
});

describe('tables', () => {
  it('aligns columns when not on a terminal', () => {
    const notTty = { isTTY: false } as NodeJS.WriteStream;
    expect(renderTable(['queue', 'messages'], [['celery', 3], ['a', 120]], notTty)).toBe('queue   messages\ncelery  3\na       120\n');
  });
});
