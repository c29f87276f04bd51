/**
 * Real Python Celery for the interop tests: which versions this machine has (5.2 from Debian's
 * python3-celery, 5.5 in the trixie chroot that `scripts/python-celery.sh` builds), the runtime
 * each one needs, and the environment the Python side runs with.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Celery lines the harness knows how to run. */
export type PythonCeleryVersion = '5.2' | '5.5';

/** Every version, oldest first. */
export const PYTHON_CELERY_VERSIONS: readonly PythonCeleryVersion[] = ['5.2', '5.5'];

/** How to run one Celery version. */
export interface PythonRuntime {
  readonly version: PythonCeleryVersion;
  /** Command prefix that runs that python3, e.g. `['/usr/bin/python3']` or `['chroot', dir, 'python3']`. */
  readonly python: readonly string[];
  /** Where `celery_app.py` and `client.py` are, as that python3 sees the file system. */
  readonly appDir: string;
  /** Exact versions found, e.g. `5.2.6` and `5.2.4`. */
  readonly celery: string;
  readonly kombu: string;
}

/** A version that cannot run here, and why (shown when its tests are skipped). */
export interface UnavailableRuntime {
  readonly version: PythonCeleryVersion;
  readonly unavailable: string;
}

/** Host path of the Python side (`tests/interop/py`). */
export const PY_APP_DIR = fileURLToPath(new URL('../py/', import.meta.url));

/**
 * Where the Python side is copied inside the chroot: a directory per content under it (see
 * {@link installIntoChroot}).
 */
export const CHROOT_APP_DIR = '/opt/celerity-interop';

/** The chroot holding Celery 5.5. @default '/var/cache/celerity/trixie' (env `CELERITY_CHROOT`) */
export function chrootDir(): string {
  return process.env.CELERITY_CHROOT || '/var/cache/celerity/trixie';
}

const PROBE = 'import celery, kombu, redis, amqp, msgpack; print(celery.__version__, kombu.__version__)';

function probe(
  version: PythonCeleryVersion,
  python: readonly string[],
  appDir: string,
): PythonRuntime | UnavailableRuntime {
  const [command, ...prefix] = python;
  if (command === undefined) return { version, unavailable: 'no python command' };
  const run = spawnSync(command, [...prefix, '-c', PROBE], { encoding: 'utf8', timeout: 60_000, env: pythonEnv(appDir, {}) });
  if (run.error || run.status !== 0) {
    const why = run.error?.message ?? run.stderr.trim().split('\n').pop() ?? `exit ${run.status}`;
    return { version, unavailable: `${python.join(' ')} cannot import celery, kombu, redis, amqp, msgpack (${why}); run scripts/python-celery.sh` };
  }
  const [celery = '', kombu = ''] = run.stdout.trim().split(/\s+/);
  if (!celery.startsWith(`${version}.`)) {
    return { version, unavailable: `${python.join(' ')} has Celery ${celery}, not ${version}.x` };
  }
  return { version, python, appDir, celery, kombu };
}

/**
 * Copies the Python side into the chroot, under a directory named by a hash of its files: runs
 * from other worktrees (with other versions of the files) share the chroot, and one shared
 * directory let them overwrite each other's files mid-run. Each file is renamed into place so a
 * concurrent run never reads half a file.
 * @returns the directory as the chroot's python3 sees it
 */
function installIntoChroot(root: string): string {
  const files = readdirSync(PY_APP_DIR).filter((file) => file.endsWith('.py')).sort();
  const hash = createHash('sha256');
  for (const file of files) hash.update(file).update('\0').update(readFileSync(join(PY_APP_DIR, file))).update('\0');
  const appDir = join(CHROOT_APP_DIR, hash.digest('hex').slice(0, 16));
  const target = join(root, appDir);
  mkdirSync(target, { recursive: true });
  for (const file of files) {
    const tmp = join(target, `.${file}.${process.pid}.tmp`);
    copyFileSync(join(PY_APP_DIR, file), tmp);
    renameSync(tmp, join(target, file));
  }
  return appDir;
}

function detect52(): PythonRuntime | UnavailableRuntime {
  return probe('5.2', [process.env.CELERITY_PYTHON || '/usr/bin/python3'], PY_APP_DIR);
}

function detect55(): PythonRuntime | UnavailableRuntime {
  const root = chrootDir();
  if (process.env.CELERITY_SKIP_CHROOT === '1') return { version: '5.5', unavailable: 'CELERITY_SKIP_CHROOT=1' };
  if (!existsSync(join(root, 'usr/bin/python3'))) {
    return { version: '5.5', unavailable: `no chroot at ${root}; run scripts/python-celery.sh (as root) to build it` };
  }
  if (process.getuid?.() !== 0) return { version: '5.5', unavailable: `chroot ${root} needs root` };
  return probe('5.5', ['chroot', root, 'python3'], installIntoChroot(root));
}

let detected: Readonly<Record<PythonCeleryVersion, PythonRuntime | UnavailableRuntime>> | undefined;

/**
 * Every version with its runtime or the reason it cannot run. Probed once per test file (about a
 * second); also refreshes the Python side inside the chroot.
 */
export function pythonCeleryStatus(): Readonly<Record<PythonCeleryVersion, PythonRuntime | UnavailableRuntime>> {
  detected ??= { '5.2': detect52(), '5.5': detect55() };
  return detected;
}

/** Whether a status entry can run. */
export function isAvailable(entry: PythonRuntime | UnavailableRuntime): entry is PythonRuntime {
  return !('unavailable' in entry);
}

/**
 * The Celery versions available on this machine.
 * @example
 * const versions = pythonCeleryVersions();   // { '5.2': { python: ['/usr/bin/python3'], ... }, '5.5': ... }
 * describe.skipIf(!versions['5.5'])('Celery 5.5', () => { ... });
 */
export function pythonCeleryVersions(): Partial<Record<PythonCeleryVersion, PythonRuntime>> {
  const out: Partial<Record<PythonCeleryVersion, PythonRuntime>> = {};
  for (const [version, entry] of Object.entries(pythonCeleryStatus()) as [PythonCeleryVersion, PythonRuntime | UnavailableRuntime][]) {
    if (isAvailable(entry)) out[version] = entry;
  }
  return out;
}

/** The runtime of `version`; throws with the reason when it is not available. */
export function pythonRuntime(version: PythonCeleryVersion): PythonRuntime {
  const entry = pythonCeleryStatus()[version];
  if (!isAvailable(entry)) throw new Error(`Python Celery ${version} is not available: ${entry.unavailable}`);
  return entry;
}

/** Variables from the test process that would point Python at the wrong installation. */
const DROPPED = ['PYTHONPATH', 'PYTHONHOME', 'PYTHONSTARTUP', 'VIRTUAL_ENV', 'PYENV_VERSION', 'CELERY_CONFIG_MODULE'];

/**
 * The environment Python runs with: the test process's (minus Python overrides), the app on
 * `PYTHONPATH`, unbuffered output, no `__pycache__` written into the repository, then `env`.
 */
export function pythonEnv(appDir: string, env: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of DROPPED) delete base[name];
  return { ...base, PYTHONPATH: appDir, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', ...env };
}
