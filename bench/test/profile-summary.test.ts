import { describe, expect, it } from 'vitest';
import { shortUrl, summarizeProfile } from '../src/profile-summary.js';

describe('summarizeProfile', () => {
  it('splits the profile time by self hits per function and per file', () => {
    const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });
    const summary = summarizeProfile({
      startTime: 0,
      endTime: 1000,
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), hitCount: 0 },
        { id: 2, callFrame: frame('decode', 'file:///w/packages/broker-redis/src/envelope.ts', 9), hitCount: 6 },
        { id: 3, callFrame: frame('decode', 'file:///w/packages/broker-redis/src/envelope.ts', 9), hitCount: 2 },
        { id: 4, callFrame: frame('', 'file:///w/node_modules/.pnpm/ioredis@6.0.0/node_modules/ioredis/built/Command.js', 62), hitCount: 1 },
        { id: 5, callFrame: frame('(garbage collector)', ''), hitCount: 1 },
      ],
    });
    expect(summary.byFunction[0]).toEqual({ key: 'decode  packages/broker-redis/src/envelope.ts:10', micros: 800, share: 0.8 });
    expect(summary.byFunction.map((r) => r.key)).toContain('(anonymous)  ioredis/built/Command.js:63');
    expect(summary.byFile.find((r) => r.key === '(native)')?.micros).toBe(100);
  });
  it('shortens URLs to the package and file', () => {
    expect(shortUrl('file:///x/node_modules/.pnpm/@scope+p@1/node_modules/@scope/p/lib/a.js')).toBe('@scope/p/lib/a.js');
    expect(shortUrl('file:///x/bench/src/run.ts')).toBe('bench/src/run.ts');
    expect(shortUrl('node:buffer')).toBe('node:buffer');
  });
});
