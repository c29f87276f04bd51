/**
 * `celerity events`: Celery's `celery events` for any Celery or Celerity worker sending events
 * (`-E`). Without flags, a live view of workers and recent tasks that refreshes every second;
 * with `--dump`, one line per event as `celery events --dump` prints it; with `--json`, each event
 * as one line of JSON (its fields as the worker sent them) for scripts. Listens on the broker's
 * `celeryev` exchange (a private exclusive queue on RabbitMQ, PSUBSCRIBE on Redis).
 */
import { parseArgs } from 'node:util';
import { EVENT_EXCHANGE, decodeEvents } from '@celerity/core/internal';
import type { CeleryEvent } from '@celerity/core/internal';
import logUpdate from 'log-update';
import { EventDumper } from './events-dump.js';
import { EventState } from './events-state.js';
import { renderEventsView } from './events-view.js';
import { loadCommandSettings, openCommandBroker } from './command-settings.js';

const HELP = `Usage: celerity events [options]

Shows the events Celery and Celerity workers send (workers started with -E): a live table of
workers and recent tasks, or with --dump every event as a line, as 'celery events --dump' does.

Options:
  -d, --dump                   Print each event instead of the live view
  -j, --json                   Print each event as one line of JSON instead of the live view
      --frequency <s>          Seconds between two refreshes of the live view (default: 1)
  -b, --broker <url>           Broker URL (env CELERITY_BROKER_URL)
      --config <module>        Configuration module (env CELERITY_CONFIG_MODULE): brokerUrl,
                               brokerTransportOptions, brokerUseSsl
  -h, --help                   Show this help
`;

/** Exits at Ctrl+C / SIGTERM: resolves with 130 / 143. */
function untilInterrupted(): Promise<number> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve(130));
    process.once('SIGTERM', () => resolve(143));
  });
}

export async function runEventsCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      dump: { type: 'boolean', short: 'd' },
      json: { type: 'boolean', short: 'j' },
      frequency: { type: 'string', short: 'F' },
      broker: { type: 'string', short: 'b' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const frequency = values.frequency === undefined ? 1 : Number(values.frequency);
  if (!(frequency > 0)) {
    process.stderr.write(`celerity events: --frequency must be a number of seconds > 0, got '${values.frequency ?? ''}'\n`);
    return 2;
  }
  if (values.dump && values.json) {
    process.stderr.write('celerity events: --dump and --json are two ways to print events; pass one of them\n');
    return 2;
  }
  const streaming = values.dump === true || values.json === true;
  const broker = await openCommandBroker(await loadCommandSettings({ config: values.config, broker: values.broker }));
  const interrupted = untilInterrupted();
  const dumper = new EventDumper();
  const state = new EventState();
  const onEvent = values.json
    ? (event: CeleryEvent): void => void process.stdout.write(`${JSON.stringify(event)}\n`)
    : values.dump
      ? (event: CeleryEvent): void => void process.stdout.write(`${dumper.format(event)}\n`)
      : (event: CeleryEvent): void => state.apply(event);
  let timer: ReturnType<typeof setInterval> | undefined;
  try {
    await broker.connect();
    await broker.subscribe(EVENT_EXCHANGE, '#', (message) => {
      let events: CeleryEvent[];
      try {
        events = decodeEvents(message.envelope);
      } catch (error) {
        process.stderr.write(`celerity events: skipped a message: ${(error as Error).message}\n`);
        return;
      }
      for (const event of events) onEvent(event);
    });
    if (values.dump) process.stdout.write('-> evdump: starting capture...\n');
    else if (!streaming) {
      const draw = (): void => {
        const frame = renderEventsView(state, { now: Date.now() / 1000, maxTasks: Math.max(5, (process.stdout.rows ?? 40) - state.workers.size - 12), width: process.stdout.columns ?? 160 });
        if (process.stdout.isTTY) logUpdate(frame);
        else process.stdout.write(`${frame}\n`);
      };
      draw();
      timer = setInterval(draw, frequency * 1000);
    }
    return await interrupted;
  } finally {
    if (timer !== undefined) clearInterval(timer);
    if (!streaming && process.stdout.isTTY) logUpdate.done();
    await broker.close().catch(() => undefined);
  }
}
