/**
 * Telling our stack frames from the user's, so the command line shows a user's error starting at
 * the user's code: frames of Node itself, of the TypeScript loader (tsx), and of Celerity's
 * packages (installed under node_modules/@celerity, or this repository's packages/<name>/src|dist).
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding Celerity's packages: this file is `<scope>/worker/(src|dist)/cli/…`, so two
 * levels above the package root: `node_modules/@celerity` installed, `packages` in the repository.
 */
const SCOPE_DIR = dirname(dirname(dirname(dirname(fileURLToPath(import.meta.url)))));

/** Whether a file path (or `file://` URL, or `node:` specifier) named in a stack frame is ours. */
export function isInternalPath(file: string): boolean {
  const path = file.startsWith('file://') ? fileURLToPath(file) : file;
  if (path.startsWith('node:') || path === '<anonymous>') return true;
  if (/[\\/]node_modules[\\/](@celerity|tsx|get-tsconfig|esbuild)[\\/]/.test(path)) return true;
  if (!path.startsWith(SCOPE_DIR)) return false;
  return /^[\\/][^\\/]+[\\/](src|dist)[\\/]/.test(path.slice(SCOPE_DIR.length));
}

/** The file a V8 stack line (`    at fn (file:line:col)` / `    at file:line:col`) names, if any. */
function frameFile(line: string): string | undefined {
  const m = /^\s*at (?:.*? \()?(.+?):\d+:\d+\)?$/.exec(line);
  return m?.[1]?.replace(/^async /, '');
}

/** The V8 stack frames of an error that are the user's (ours, Node's and the loader's dropped). */
export function userStackFrames(stack: string): string[] {
  return stack
    .split('\n')
    .filter((line) => /^\s*at /.test(line))
    .filter((line) => {
      const file = frameFile(line);
      return file !== undefined && !isInternalPath(file);
    })
    .map((line) => line.trim());
}

/**
 * A Python-looking traceback (as the worker stores it) without the frames of ours that come before
 * the first frame of the user's (most recent call last, so ours are on top). Tracebacks with no
 * user frame are left whole: they are all there is to see.
 * @example stripInternalFrames('Traceback (most recent call last):\n  File "/app/node_modules/@celerity/worker/dist/execute.js", line 9, in run\n  File "/app/tasks.js", line 3, in boom\nError: no\n')
 * // 'Traceback (most recent call last):\n  File "/app/tasks.js", line 3, in boom\nError: no\n'
 */
export function stripInternalFrames(traceback: string): string {
  const lines = traceback.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i]!);
    if (!lines[i]!.startsWith('Traceback (most recent call last):')) continue;
    // The frames of this traceback: `  File "…", line N, in fn` (a source line may follow each).
    let j = i + 1;
    const frames: Array<{ file: string; lines: string[] }> = [];
    while (j < lines.length && lines[j]!.startsWith('  ')) {
      const m = /^ {2}File "(.*)", line \d+/.exec(lines[j]!);
      if (m) frames.push({ file: m[1]!, lines: [lines[j]!] });
      else frames.at(-1)?.lines.push(lines[j]!);
      j++;
    }
    const firstUser = frames.findIndex((f) => !isInternalPath(f.file));
    const kept = firstUser <= 0 ? frames : frames.slice(firstUser);
    for (const frame of kept) out.push(...frame.lines);
    i = j - 1;
  }
  return out.join('\n');
}
