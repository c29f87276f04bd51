// `pnpm example`: on memory:// the worker runs in this process (memory:// is per process);
// on Redis / RabbitMQ it is started with the `celerity` command (src/celerity.ts) as its own process.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createConsoleLogger } from '@celerity/core';
import { createWorker } from '@celerity/worker';
import * as tasks from './tasks.js';
import { adapters, backendUrl, brokerUrl } from './config.js';
import { runClient } from './client.js';

console.log(`broker ${brokerUrl}, results ${backendUrl}`);
if (brokerUrl.startsWith('memory')) {
  await using worker = createWorker({ broker: brokerUrl, backend: backendUrl, adapters, tasks, logger: createConsoleLogger() });
  await worker.start();
  await runClient();
} else {
  const cli = fileURLToPath(new URL('./celerity.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', cli, 'worker', '-A', fileURLToPath(new URL('./tasks.ts', import.meta.url)), '-b', brokerUrl, '--result-backend', backendUrl, '-l', 'info'],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  try {
    await runClient();
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}
