/**
 * Issue 17: a three-node RabbitMQ cluster (the machine's RabbitMQ 3.10, then RabbitMQ 4.0 from the
 * trixie chroot when it can start here; each cluster started once) with
 * a quorum task queue replicated on every node. A worker and a client each hold a failover list of
 * the three nodes (each starting at a different node). Mid-run — the client publishing with
 * confirms, the worker consuming with acks late — a node is stopped (SIGTERM), then another killed
 * (SIGKILL). The contract counted: every task whose publish was confirmed runs at least once (a
 * publish that failed is sent again with the same id, as a caller would), nothing else runs, the
 * queue ends empty, and the worker and the client carry on through the surviving nodes. Re-runs
 * (redelivered unacked messages, publishes repeated after an unconfirmed one) are allowed by
 * at-least-once; they are counted and printed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineTask } from '@celerity/core';
import type { Logger, TaskContext } from '@celerity/core';
import { createAmqpBroker } from '@celerity/broker-amqp';
import type { AmqpBroker } from '@celerity/broker-amqp';
import { createClient } from '@celerity/client';
import type { Client } from '@celerity/client';
import { randomSuffix, startRabbitCluster, waitFor } from '@celerity/testing';
import type { RabbitCluster, RabbitServer } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import type { Worker } from '@celerity/worker';
import { rabbit4Root, rabbit4Unavailable } from './rabbitmq4-node.js';

const QUEUE = 'cluster.quorum';
/** Runs per task id, as the task bodies saw them. */
const runs = new Map<string, number>();
const record = defineTask({ name: 'tasks.record', params: [] }, async (ctx: TaskContext) => {
  runs.set(ctx.id, (runs.get(ctx.id) ?? 0) + 1);
  await sleep(Math.floor(Math.random() * 5));
});

/** Connection warnings (lost, reconnected, refused) go to the test's output: they show where each side went. */
const consoleLogger = (who: string): Logger => ({
  debug: () => undefined,
  info: (message) => console.log(`[${who}] ${message}`),
  warn: (message) => console.log(`[${who}] ${message}`),
  error: (message) => console.log(`[${who}] ${message}`),
});

let cluster: RabbitCluster;
let workerBroker: AmqpBroker;
let clientBroker: AmqpBroker;
let worker: Worker;
let client: Client;

/** The cluster's failover list starting at node `first`. */
const listFrom = (first: number): string => cluster.nodes.map((_, i) => (cluster.nodes[(first + i) % cluster.nodes.length] as RabbitServer).url).join(';');
/** The node a broker is connected to. */
const nodeOf = (broker: AmqpBroker): RabbitServer | undefined => cluster.nodes.find((node) => broker.connectedTo?.includes(`:${node.port}/`) === true);

interface QueueRow {
  name: string;
  type: string;
  members: string[];
}

async function queueRow(): Promise<QueueRow | undefined> {
  const live = cluster.nodes.find((node) => node.running) as RabbitServer;
  const rows = JSON.parse(await live.ctl(['list_queues', 'name', 'type', 'members', '--formatter', 'json'])) as QueueRow[];
  return rows.find((row) => row.name === QUEUE);
}

interface Tally {
  sent: number;
  publishFailures: number;
  lost: string[];
  unknown: string[];
  reruns: number;
}

/**
 * Publishes `count` tasks in batches (a failed publish is sent again with the same id until it is
 * confirmed), calls `fault` once a third are confirmed, waits for every confirmed task to have run,
 * and counts.
 */
async function runWithFault(count: number, fault: () => Promise<void>): Promise<Tally> {
  runs.clear();
  const confirmed = new Set<string>();
  let publishFailures = 0;
  let faultDone: Promise<void> | undefined;
  const send = async (id: string): Promise<void> => {
    // A publish that keeps failing for two minutes means the client never found a surviving node.
    const giveUpAt = Date.now() + 120_000;
    for (;;) {
      try {
        await client.send('tasks.record', [], { queue: QUEUE, taskId: id });
        confirmed.add(id);
        return;
      } catch (error) {
        publishFailures++;
        if (Date.now() > giveUpAt) throw new Error(`publishing ${id} kept failing (client on ${clientBroker.connectedTo ?? 'no node'})`, { cause: error });
        await sleep(200);
      }
    }
  };
  for (let n = 0; n < count; n += 20) {
    await Promise.all(Array.from({ length: Math.min(20, count - n) }, () => send(crypto.randomUUID())));
    if (faultDone === undefined && confirmed.size >= count / 3) faultDone = fault();
    // Paced, so the fault lands while both sides are busy.
    await sleep(10);
  }
  await faultDone;
  await waitFor(() => [...confirmed].every((id) => runs.has(id)), { timeout: 240_000, interval: 500, message: 'every confirmed task to run' });
  // Redeliveries that are due still show up.
  await sleep(3000);
  const tally: Tally = {
    sent: confirmed.size,
    publishFailures,
    lost: [...confirmed].filter((id) => !runs.has(id)),
    unknown: [...runs.keys()].filter((id) => !confirmed.has(id)),
    reruns: [...runs.values()].reduce((sum, n) => sum + n - 1, 0),
  };
  console.log(`cluster run: ${JSON.stringify({ ...tally, lost: tally.lost.length, unknown: tally.unknown.length })}`);
  return tally;
}

/** The file's tests on the cluster `start` makes (the state above is the running suite's). */
function clusterSuite(title: string, start: () => Promise<RabbitCluster>): void {
describe(title, () => {
  beforeAll(async () => {
    runs.clear();
    cluster = await start();
    workerBroker = createAmqpBroker({ url: listFrom(0), queueType: 'quorum', publishTimeout: 30_000, logger: consoleLogger('worker') });
    worker = createWorker({
      broker: workerBroker,
      tasks: [record],
      queues: [QUEUE],
      acksLate: true,
      concurrency: 8,
      prefetch: 16,
      hostname: `cluster-${randomSuffix()}@test`,
    });
    await worker.start();
    clientBroker = createAmqpBroker({ url: listFrom(1), queueType: 'quorum', publishTimeout: 30_000, logger: consoleLogger('client') });
    client = createClient({ broker: clientBroker });
    await clientBroker.connect();
  }, 600_000);
  afterAll(async () => {
    await worker?.stop({ force: true }).catch(() => undefined);
    await client?.close().catch(() => undefined);
    await workerBroker?.close().catch(() => undefined);
    await clientBroker?.close().catch(() => undefined);
    await cluster?.dispose();
  }, 120_000);

  it('declares the task queue as a quorum queue with a member on every node, and runs tasks through it', async () => {
    expect(await cluster.runningNodes()).toEqual(cluster.nodes.map((node) => node.nodeName).sort());
    const row = await queueRow();
    expect(row?.type).toBe('quorum');
    expect([...(row?.members ?? [])].sort()).toEqual(cluster.nodes.map((node) => node.nodeName).sort());
    expect(nodeOf(workerBroker)).toBe(cluster.nodes[0]);
    expect(nodeOf(clientBroker)).toBe(cluster.nodes[1]);
    const tally = await runWithFault(60, async () => undefined);
    expect(tally.lost).toEqual([]);
    expect(tally.unknown).toEqual([]);
  }, 300_000);

  it('a node stopped mid-run (SIGTERM): every confirmed task runs, the worker moves to a surviving node', async () => {
    const victim = nodeOf(workerBroker) as RabbitServer;
    expect(victim).toBeDefined();
    const tally = await runWithFault(1500, () => victim.stop());
    expect(tally.lost).toEqual([]);
    expect(tally.unknown).toEqual([]);
    expect(await clientBroker.size(QUEUE)).toBe(0);
    const now = nodeOf(workerBroker);
    expect(now).toBeDefined();
    expect(now).not.toBe(victim);
    expect(victim.running).toBe(false);
    await victim.start();
    await waitFor(async () => (await cluster.runningNodes()).length === 3, { timeout: 120_000, message: 'the stopped node back in the cluster' });
  }, 600_000);

  it('the node the client publishes through killed mid-run (SIGKILL): every confirmed task runs, both sides carry on elsewhere', async () => {
    const victim = nodeOf(clientBroker) as RabbitServer;
    expect(victim).toBeDefined();
    console.log(`killing ${victim.nodeName}; the worker is on ${nodeOf(workerBroker)?.nodeName ?? 'none'}`);
    const tally = await runWithFault(1500, () => victim.kill());
    expect(tally.lost).toEqual([]);
    expect(tally.unknown).toEqual([]);
    expect(await clientBroker.size(QUEUE)).toBe(0);
    expect(nodeOf(clientBroker)).not.toBe(victim);
    expect(nodeOf(workerBroker)).not.toBe(victim);
    const row = await queueRow();
    expect(row?.members).toHaveLength(3);
    await victim.start();
  }, 600_000);
});
}

clusterSuite('a three-node RabbitMQ 3.10 cluster with a quorum task queue', () => startRabbitCluster({ size: 3 }));

// RabbitMQ 4.0 from the trixie chroot, as rabbitmq4.int.test.ts runs it but without the 4.3
// denials: with `transient_nonexcl_queues` denied, a node's start_app after join_cluster fails
// (failed_to_deny_deprecated_features) on 4.0.5.
const unavailable = await rabbit4Unavailable();
const skip4 = unavailable !== undefined && !process.env['CI'];
if (skip4) describe.skip(`a three-node RabbitMQ 4.0 cluster (skipped: ${unavailable})`, () => undefined);
else clusterSuite('a three-node RabbitMQ 4.0 cluster with a quorum task queue', () => startRabbitCluster({ size: 3, root: rabbit4Root() }));
