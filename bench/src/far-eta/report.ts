/** The far-eta table: Redis bytes, enqueue rate and worker memory for tasks due a day ahead. */
import { formatNumber, formatRatio } from '../format.js';
import { ratio } from '../stats.js';
import type { FarEtaResults, FarEtaSystem } from './results.js';

/** How each system keeps a task due later (what the rows measure). */
export const FAR_ETA_STORAGE: Readonly<Record<FarEtaSystem, string>> = {
  celerity:
    'parked: one member per task in the zset `_celerity.parked`, the message\'s exact bytes behind its list\'s name, scored with the time to move it onto its list (half `parkEtaAfter` before its ETA); nothing in the worker',
  bullmq: 'delayed: a hash per job (`bull:<queue>:<id>`: name, data, options, timestamps), its id in the zset `bull:<queue>:delayed` scored by the due time, and an entry per add in the `bull:<queue>:events` stream (capped at about 10,000)',
};

/** The Markdown section of the far-eta rows. */
export function renderFarEta(farEta: FarEtaResults): string {
  const { sizes } = farEta;
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const base = farEta.rows.find((r) => r.system === 'bullmq');
  const mib = (bytes: number): string => formatNumber(bytes / 2 ** 20);
  const rows = farEta.rows.map((row) => {
    const bytes = row.usedMemoryBytes / sizes.tasks;
    return line([
      row.system,
      formatNumber(row.enqueuePerS),
      formatRatio(ratio(row.enqueuePerS, base?.enqueuePerS)),
      formatNumber(bytes),
      formatRatio(ratio(bytes, base ? base.usedMemoryBytes / sizes.tasks : undefined)),
      formatNumber(row.keys),
      mib(row.idleRssBytes),
      mib(row.holdingRssBytes),
      formatNumber(row.idleCpuMs),
      formatNumber(row.holdingCpuMs),
      formatNumber(row.holdingRedisCpuMs),
    ]);
  });
  const errors = farEta.errors.map((e) => `- ${e.row}: ${e.message.split('\n')[0]}`);
  return [
    `### Far-future ETAs at scale — ${formatNumber(sizes.tasks)} tasks due ${formatNumber(sizes.delayS / 3600)} h ahead`,
    '',
    `Sent in bulk (1,000 per call) to the bench's Redis, flushed first: Celerity's client with broker-redis \`parkEtaAfter: ${sizes.parkEtaAfter}\`, BullMQ's \`addBulk\` with \`delay\`. Redis bytes per task: growth of \`INFO\` \`used_memory\` over the sends, per task. Then a fresh worker of the system (own process, concurrency 10) consumes the queue for ${formatNumber(sizes.holdMs / 1000)} s beside the tasks; its largest VmRSS (sampled every 250 ms) and its CPU are set against the same worker's on an empty Redis for as long. The bench checks that every task is still stored for later afterwards and that the worker ran none. One repetition.`,
    '',
    ...(['celerity', 'bullmq'] as const).map((s) => `- **${s}** stores them ${FAR_ETA_STORAGE[s]}.`),
    '',
    line(['system', 'enqueue tasks/s', '× BullMQ', 'Redis bytes/task', '× BullMQ', 'keys', 'worker RSS MiB, empty Redis', 'worker RSS MiB, beside the tasks', 'worker CPU ms, empty Redis', 'worker CPU ms, beside the tasks', 'Redis CPU ms, beside the tasks']),
    line(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    ...rows,
    ...(errors.length > 0 ? ['', 'Failed rows:', ...errors] : []),
  ].join('\n');
}
