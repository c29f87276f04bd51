/**
 * `celerity revoke <id...> [--terminate] [--signal SIGTERM]`: Celery's `celery control revoke`,
 * broadcast on `celery.pidbox` so Celery and Celerity workers both hear it, and kept in the
 * broker's durable revoke store for workers that start later.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_REVOKE_EXPIRES } from '@celerity/core';
import { CONTROL_EXCHANGE, encodeControlRequest, revokeArguments } from '@celerity/core/internal';
import { against } from './cli-errors.js';
import { loadCommandSettings, openCommandBroker } from './command-settings.js';

const HELP = `Usage: celerity revoke <task-id>... [options]

Revokes tasks on every worker: one not started is skipped and REVOKED stored; with --terminate a
running one is stopped too. The ids are also kept in the broker (3 h) for workers started later.

Options:
      --terminate              Also stop the task if it is running
      --signal <name>          Signal for --terminate, as Celery reads it (default: SIGTERM)
  -b, --broker <url>           Broker URL (env CELERITY_BROKER_URL)
      --config <module>        Configuration module (env CELERITY_CONFIG_MODULE): brokerUrl,
                               brokerTransportOptions, brokerUseSsl
  -h, --help                   Show this help
`;

export async function runRevokeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      terminate: { type: 'boolean' },
      signal: { type: 'string' },
      broker: { type: 'string', short: 'b' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length === 0) {
    process.stderr.write(`celerity revoke: at least one task id is required\n\n${HELP}`);
    return 2;
  }
  const settings = await loadCommandSettings({ config: values.config, broker: values.broker });
  const { brokerUrl } = settings;
  const broker = await openCommandBroker(settings);
  try {
    await against(brokerUrl, async () => {
      await broker.revocations?.add(positionals, Date.now() + DEFAULT_REVOKE_EXPIRES * 1000);
      const args = revokeArguments(positionals, { terminate: values.terminate ?? false, ...(values.signal === undefined ? {} : { signal: values.signal }) });
      await broker.broadcast(CONTROL_EXCHANGE, '', encodeControlRequest({ method: 'revoke', arguments: args, destination: null, pattern: null, matcher: null }, { now: Date.now() }));
    });
  } finally {
    await broker.close();
  }
  process.stdout.write(`Revoked ${positionals.join(', ')}${values.terminate ? ' (terminate)' : ''}\n`);
  return 0;
}
