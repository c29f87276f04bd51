#!/usr/bin/env node
/**
 * The `celerity` command: `worker`, `call`, `result`, `inspect`, `control`, `status`, `purge`,
 * `report`, `dlq`, `revoke`, `events`, `beat`, `dashboard`, with Celery's flags and environment variables (`CELERITY_BROKER_URL`,
 * `CELERITY_RESULT_BACKEND`). Celery's global options may come before the command
 * (`celerity -A tasks.ts worker`). A failure is one line on stderr and a non-zero exit.
 */
import { BEAT_GLOBALS, runBeatCommand } from './cli/beat-command.js';
import { CALL_GLOBALS, RESULT_GLOBALS, runCallCommand, runResultCommand } from './cli/call-command.js';
import { describeFailure } from './cli/cli-errors.js';
import { REMOTE_GLOBALS, runRemoteCommand, runStatusCommand } from './cli/control-command.js';
import { runDashboardCommand } from './cli/dashboard-command.js';
import { runDlqCommand } from './cli/dlq-command.js';
import { commandArguments, splitCommandLine } from './cli/global-options.js';
import { exitAtOnceOnInterrupt } from './cli/interrupt.js';
import { PURGE_GLOBALS, runPurgeCommand } from './cli/purge-command.js';
import { REPORT_GLOBALS, runReportCommand } from './cli/report-command.js';
import { runRevokeCommand } from './cli/revoke-command.js';
import { runWorkerCommand } from './cli/worker-command.js';
import { runEventsCommand } from './cli/events-command.js';
import { CELERITY_VERSION } from './package-version.js';

const HELP = `Usage: celerity <command> [options]

Commands:
  worker   Start a worker that runs the tasks a module exports
  call     Send a task by name and print its id (or its result with --wait)
  result   Wait for and print a task's result
  inspect  Ask the workers about their state (celerity inspect --list)
  control  Send the workers a command (celerity control --list)
  status   List the workers that answer a ping
  purge    Delete the messages waiting in the task queues
  report   Versions, platform and settings, for bug reports
  dlq      List, show, replay or purge dead-lettered messages
  revoke   Revoke tasks on every worker (--terminate to stop running ones)
  events   Show workers and tasks live from Celery's events (--dump: print each event)
  beat     Send periodic tasks (one leader among any number of processes); list/add/remove… entries
  dashboard Serve a live web dashboard of workers, queues and tasks (needs @celerity/dashboard)

Run 'celerity <command> --help' for the options of a command.
As in Celery, -A/--app, -b/--broker, --result-backend, --config and --no-color may come before
the command (celerity -A tasks.ts worker); a command that has no use for one ignores it.
Every command that connects reads the same settings: the --config module (env
CELERITY_CONFIG_MODULE) under CELERITY_<SETTING> variables (CELERITY_BROKER_URL,
CELERITY_RESULT_BACKEND, CELERITY_BROKER_TRANSPORT_OPTIONS, CELERITY_BROKER_USE_SSL…; Celery's
CELERY_BROKER_URL too) under its flags.
`;

/** The global options each command reads when given before it. */
const WORKER_GLOBALS: ReadonlySet<string> = new Set(['app', 'broker', 'result-backend', 'config']);
const BROKER_AND_CONFIG: ReadonlySet<string> = new Set(['broker', 'config']);
const DASHBOARD_GLOBALS: ReadonlySet<string> = new Set(['broker', 'config', 'result-backend']);

async function main(argv: string[]): Promise<number> {
  const split = splitCommandLine(argv);
  const { command } = split;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command ? 0 : 1;
  }
  if (command === '--version' || command === '-V') {
    process.stdout.write(`celerity ${CELERITY_VERSION}\n`);
    return 0;
  }
  const args = (accepts: ReadonlySet<string>): string[] => commandArguments(split, accepts);
  // The worker, the live events view and beat handle Ctrl+C themselves (a shutdown, a terminal to restore, a lease to give up).
  if (command !== 'worker' && command !== 'events' && command !== 'beat' && command !== 'dashboard') exitAtOnceOnInterrupt();
  switch (command) {
    case 'worker':
      return runWorkerCommand(args(WORKER_GLOBALS));
    case 'call':
      return runCallCommand(args(CALL_GLOBALS));
    case 'result':
      return runResultCommand(args(RESULT_GLOBALS));
    case 'inspect':
    case 'control':
      return runRemoteCommand(command, args(REMOTE_GLOBALS));
    case 'status':
      return runStatusCommand(args(REMOTE_GLOBALS));
    case 'purge':
      return runPurgeCommand(args(PURGE_GLOBALS));
    case 'report':
      return runReportCommand(args(REPORT_GLOBALS));
    case 'dlq':
      return runDlqCommand(args(BROKER_AND_CONFIG));
    case 'revoke':
      return runRevokeCommand(args(BROKER_AND_CONFIG));
    case 'events':
      return runEventsCommand(args(BROKER_AND_CONFIG));
    case 'beat':
      return runBeatCommand(args(BEAT_GLOBALS));
    case 'dashboard':
      return runDashboardCommand(args(DASHBOARD_GLOBALS));
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
    const { line, exitCode, details } = describeFailure(error);
    process.stderr.write(`celerity: ${line}\n${details ? `${details}\n` : ''}`);
    // At once: a connection still retrying in the background must not keep a failed command alive.
    process.exit(exitCode);
  },
);
