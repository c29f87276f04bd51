/** The start-up banner, laid out like Celery's. */
import { arch, platform, release } from 'node:os';

/** What the banner shows. */
export interface BannerInfo {
  hostname: string;
  app: string;
  transport: string;
  results: string;
  concurrency: number;
  queues: readonly string[];
  tasks: readonly string[];
}

export function renderBanner(info: BannerInfo, now: Date = new Date()): string {
  const when = now.toISOString().replace('T', ' ').slice(0, 19);
  const art = [
    ` -------------- ${info.hostname} v0.1.0 (celerity, Node ${process.version})`,
    `--- ***** ----- `,
    `-- ******* ---- ${platform()}-${release()}-${arch()} ${when}`,
    `- *** --- * --- `,
    `- ** ---------- [config]`,
    `- ** ---------- .> app:         ${info.app}`,
    `- ** ---------- .> transport:   ${info.transport}`,
    `- ** ---------- .> results:     ${info.results}`,
    `- *** --- * --- .> concurrency: ${info.concurrency} (async)`,
    `-- ******* ---- .> task events: OFF`,
    `--- ***** ----- `,
    ` -------------- [queues]`,
    ...info.queues.map((q) => `                .> ${q.padEnd(16)} exchange=${q}(direct) key=${q}`),
    '',
    '[tasks]',
    ...info.tasks.map((t) => `  . ${t}`),
    '',
  ];
  return `${art.join('\n')}\n`;
}
