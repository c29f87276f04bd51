#!/usr/bin/env node
/**
 * The `celerity` command: `celerity worker`, `celerity call`, `celerity result`, `celerity dlq`, `celerity revoke`, with Celery's
 * flags and environment variables (`CELERITY_BROKER_URL`, `CELERITY_RESULT_BACKEND`).
 */
import { runWorkerCommand } from './cli/worker-command.js';
import { runCallCommand, runResultCommand } from './cli/call-command.js';
import { runDlqCommand } from './cli/dlq-command.js';
import { runRevokeCommand } from './cli/revoke-command.js';
import { runEventsCommand } from './cli/events-command.js';

const HELP = `Usage: celerity <command> [options]

Commands:
  worker   Start a worker that runs the tasks a module exports
  call     Send a task by name and print its id (or its result with --wait)
  result   Wait for and print a task's result
  dlq      List, show, replay or purge dead-lettered messages
  revoke   Revoke tasks on every worker (--terminate to stop running ones)
  events   Show workers and tasks live from Celery's events (--dump: print each event)

Run 'celerity <command> --help' for the options of a command.
Environment: CELERITY_BROKER_URL, CELERITY_RESULT_BACKEND (like Celery's CELERY_BROKER_URL).
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command ? 0 : 1;
  }
  if (command === '--version' || command === '-V') {
    process.stdout.write('celerity 0.1.0\n');
    return 0;
  }
  switch (command) {
    case 'worker':
      return runWorkerCommand(rest);
    case 'call':
      return runCallCommand(rest);
    case 'result':
      return runResultCommand(rest);
    case 'dlq':
      return runDlqCommand(rest);
    case 'revoke':
      return runRevokeCommand(rest);
    case 'events':
      return runEventsCommand(rest);
    default:
      process.stderr.write(`celerity: unknown command '${command}'\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`celerity: ${(error as Error).message ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
