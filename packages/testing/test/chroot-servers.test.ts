/** Why the matrix's servers cannot run: each reason is named, so a skip or a CI failure says what to fix. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chrootServersUnavailable, trixieChroot } from '../src/internal.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('chrootServersUnavailable', () => {
  it('names CELERITY_SKIP_CHROOT=1', () => {
    vi.stubEnv('CELERITY_SKIP_CHROOT', '1');
    expect(chrootServersUnavailable(['redis'])).toBe('CELERITY_SKIP_CHROOT=1');
  });

  it('names a missing chroot (CELERITY_CHROOT) or, without root, that root is needed', () => {
    vi.stubEnv('CELERITY_SKIP_CHROOT', '');
    vi.stubEnv('CELERITY_CHROOT', '/nonexistent/celerity-chroot');
    expect(trixieChroot()).toBe('/nonexistent/celerity-chroot');
    const why = process.getuid?.() === 0 ? 'no chroot at /nonexistent/celerity-chroot' : 'needs root';
    expect(chrootServersUnavailable(['valkey', 'rabbitmq'])).toContain(why);
  });
});
