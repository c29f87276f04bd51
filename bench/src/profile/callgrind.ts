/** Instructions counted in the callgrind files of one worker run (profile/processing-profile.ts, events/events-profile.ts). */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Sums the `totals:` of the files in `dir` whose names start with `prefix` (one file per thread
 * with `--separate-threads=yes`; the one ending in `-01` is the main thread). `steady` is the main
 * thread without its event-loop delay histogram (its mean read and reset, once a second): work that
 * grows with valgrind's ~100× slowdown, not with the tasks.
 */
export async function callgrindInstructions(dir: string, prefix: string): Promise<{ main: number; steady: number; all: number }> {
  const files = (await readdir(dir)).filter((f) => f.startsWith(prefix)).sort();
  let main = 0;
  let steady = 0;
  let all = 0;
  for (const file of files) {
    // `summary:` is 0 when instrumentation started switched off; `totals:` at the end has the count.
    const match = /^totals: (\d+)/m.exec(await readFile(`${dir}/${file}`, 'utf8'));
    const count = match ? Number(match[1]) : 0;
    all += count;
    if (!file.endsWith('-01')) continue;
    main = count;
    const { stdout } = await run('callgrind_annotate', ['--inclusive=yes', '--threshold=100', `${dir}/${file}`], { maxBuffer: 256 * 1024 * 1024 });
    let histogram = 0;
    for (const line of stdout.split('\n')) {
      if (/HistogramImpl::(GetMean|DoReset)\(/.test(line)) histogram += Number(line.trim().split(' ')[0]!.replaceAll(',', ''));
    }
    steady = count - histogram;
  }
  return { main, steady, all };
}
