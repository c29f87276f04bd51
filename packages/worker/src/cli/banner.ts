/** The start-up banner, laid out like Celery's. */
import { arch, platform, release } from 'node:os';
import { redactUrl } from '@celerity/core/internal';

/** What the banner shows. */
export interface BannerInfo {
  hostname: string;
  app: string;
  /** The broker URL as given; the banner hides its password. */
  transport: string;
  /** The result backend URL as given (or `disabled://`); the banner hides its password. */
  results: string;
  concurrency: number;
  /** Where bodies run (`async` when absent). */
  pool?: string;
  queues: readonly string[];
  tasks: readonly string[];
  /** Whether the worker sends task events (`-E`). @default false */
  events?: boolean;
}

/**
 * The banner text. URLs are shown the way Celery shows them, password replaced by `**`
 * (`redis://:**@host:6379/0`), whatever the caller passes.
 * @example
 * process.stdout.write(renderBanner({ hostname: 'celerity@h', app: 'tasks.ts', transport: 'redis://:secret@h/0', results: 'disabled://', concurrency: 10, queues: ['celery'], tasks: [] }));
 */
export function renderBanner(info: BannerInfo, now: Date = new Date()): string {
  const when = now.toISOString().replace('T', ' ').slice(0, 19);
  const art = [
    ` -------------- ${info.hostname} v0.1.0 (celerity, Node ${process.version})`,
    `--- ***** ----- `,
    `-- ******* ---- ${platform()}-${release()}-${arch()} ${when}`,
    `- *** --- * --- `,
    `- ** ---------- [config]`,
    `- ** ---------- .> app:         ${info.app}`,
    `- ** ---------- .> transport:   ${redactUrl(info.transport)}`,
    `- ** ---------- .> results:     ${redactUrl(info.results)}`,
    `- *** --- * --- .> concurrency: ${info.concurrency} (${info.pool ?? 'async'})`,
    `-- ******* ---- .> task events: ${info.events === true ? 'ON' : 'OFF (enable -E to monitor tasks in this worker)'}`,
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
