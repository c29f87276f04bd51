/**
 * The counts of a run, from three things the harness owns: the ids it published (and those whose
 * publish failed), the ledger of executions, and the faults and deaths it caused or saw. Nothing
 * here asks the system under test what happened.
 *
 * Definitions (Jepsen's queue checker, adapted to tasks):
 * - sent: publishes that resolved (the broker confirmed or replied).
 * - completed: sent ids with at least one `done` record (the body ran to its end).
 * - lost (early ack, allowed): sent, never completed, and a run of it had started on a process that
 *   then died. With early acks the message was acked before the body ran, so Celery's own
 *   definition allows losing it. Counted only when the run used early acks.
 * - dead-lettered: sent, never completed, and in the queue's dead-letter queue at the end (the
 *   worker gave up on it after `maxDeliveries` deliveries that ended without an outcome): not gone,
 *   set aside on purpose with FAILURE stored.
 * - lost: every other sent id that never completed (those still in the broker when the run ended
 *   — starved or held back rather than gone — are also counted apart).
 * - duplicated: ids whose body started more than once (ran more than once).
 * - duplicated after done: of those, ids started again after a run had completed (a finished task
 *   re-run: its ack did not stick), as opposed to an interrupted run being redone.
 * - recovered: ids in flight at a fault (started before it, not done before it) that completed after it.
 * - ran despite publish error: ids whose publish rejected but that ran anyway (Jepsen's "recovered").
 * - unexpected: executed ids the harness never tried to send.
 */
import type { Death, Fault } from './faults.js';
import type { LedgerEvent } from './ledger/record.js';

/** What {@link countRun} reads. */
export interface CountInput {
  sent: readonly string[];
  /** Ids whose publish rejected: they may or may not have reached the broker. */
  publishFailed?: readonly string[];
  events: readonly LedgerEvent[];
  faults?: readonly Fault[];
  deaths?: readonly Death[];
  /** Whether workers acked before running (Celery's default); decides what loss is allowed. */
  earlyAck: boolean;
  /** Ids meant never to complete (poison): left out of every count but `poisonRuns`. */
  poison?: readonly string[];
  /** Task ids still in the broker when the run ended: a lost one among them was starved, not gone. */
  inBroker?: readonly string[];
  /** Task ids in the queue's dead-letter queue when the run ended. */
  deadLettered?: readonly string[];
}

/** A lost id and what the ledger knows about it. */
export interface LostSample {
  id: string;
  /** Starts of its body: process and time. Empty when it never ran. */
  starts: Array<{ pid: number; t: number }>;
}

/** The counts of one run. */
export interface Counts {
  sent: number;
  publishFailed: number;
  completed: number;
  lost: number;
  /** Of `lost`: ids whose body never started. */
  lostNeverStarted: number;
  /** Of `lost`: ids still in the broker at the end (starved or held back, not gone). */
  lostStillQueued: number;
  lostEarlyAckAllowed: number;
  /** Sent ids never completed that ended in the dead-letter queue (not counted as lost). */
  deadLettered: number;
  /** Poison ids found in the dead-letter queue at the end. */
  poisonDeadLettered: number;
  duplicated: number;
  duplicatedAfterDone: number;
  /** Body starts beyond the first, summed over ids (a task run 4 times adds 3). */
  extraRuns: number;
  /** Most starts of one id. */
  maxRuns: number;
  recovered: number;
  ranDespitePublishError: number;
  unexpected: number;
  /** Body starts of poison tasks. */
  poisonRuns: number;
  /** Up to 10 lost ids, for reproduction. */
  lostSamples: LostSample[];
  /** Up to 10 duplicated ids with their run count. */
  duplicatedSamples: Array<{ id: string; runs: number }>;
}

interface History {
  starts: Array<{ pid: number; t: number }>;
  dones: number[];
}

const SAMPLES = 10;

/** Groups the ledger by task id. */
export function historyById(events: readonly LedgerEvent[]): Map<string, History> {
  const byId = new Map<string, History>();
  for (const event of events) {
    let history = byId.get(event.id);
    if (history === undefined) byId.set(event.id, (history = { starts: [], dones: [] }));
    if (event.kind === 'start') history.starts.push({ pid: event.pid, t: event.t });
    else history.dones.push(event.t);
  }
  for (const history of byId.values()) {
    history.starts.sort((a, b) => a.t - b.t);
    history.dones.sort((a, b) => a - b);
  }
  return byId;
}

/** Ids in flight at `at`: a body started at or before it and none had completed by then. */
export function inFlightAt(byId: ReadonlyMap<string, History>, at: number, include: (id: string) => boolean = () => true): string[] {
  const out: string[] = [];
  for (const [id, history] of byId) {
    if (!include(id)) continue;
    const started = history.starts.length > 0 && history.starts[0]!.t <= at;
    const done = history.dones.length > 0 && history.dones[0]! <= at;
    if (started && !done) out.push(id);
  }
  return out;
}

/**
 * @example
 * const counts = countRun({ sent, events: ledger.events, faults, deaths, earlyAck: false });
 * console.log(counts.lost, counts.duplicated);
 */
export function countRun(input: CountInput): Counts {
  const byId = historyById(input.events);
  const poison = new Set(input.poison ?? []);
  const sent = new Set(input.sent.filter((id) => !poison.has(id)));
  const failed = new Set((input.publishFailed ?? []).filter((id) => !poison.has(id) && !sent.has(id)));
  const deathsByPid = new Map<number, number>();
  for (const death of input.deaths ?? []) deathsByPid.set(death.pid, Math.min(death.at, deathsByPid.get(death.pid) ?? Infinity));

  let completed = 0;
  let lost = 0;
  let lostNeverStarted = 0;
  let lostStillQueued = 0;
  let lostEarlyAckAllowed = 0;
  const inBroker = new Set(input.inBroker ?? []);
  const dead = new Set(input.deadLettered ?? []);
  let deadLettered = 0;
  const lostSamples: LostSample[] = [];
  for (const id of sent) {
    const history = byId.get(id);
    if (history !== undefined && history.dones.length > 0) {
      completed++;
      continue;
    }
    if (dead.has(id)) {
      deadLettered++;
      continue;
    }
    const starts = history?.starts ?? [];
    const interrupted = starts.some((s) => (deathsByPid.get(s.pid) ?? -Infinity) >= s.t);
    if (input.earlyAck && interrupted) {
      lostEarlyAckAllowed++;
      continue;
    }
    lost++;
    if (starts.length === 0) lostNeverStarted++;
    if (inBroker.has(id)) lostStillQueued++;
    if (lostSamples.length < SAMPLES) lostSamples.push({ id, starts: [...starts] });
  }

  let duplicated = 0;
  let duplicatedAfterDone = 0;
  let extraRuns = 0;
  let maxRuns = 0;
  let poisonRuns = 0;
  let ranDespitePublishError = 0;
  let unexpected = 0;
  const duplicatedSamples: Array<{ id: string; runs: number }> = [];
  for (const [id, history] of byId) {
    const runs = history.starts.length;
    if (poison.has(id)) {
      poisonRuns += runs;
      continue;
    }
    if (!sent.has(id)) {
      if (failed.has(id)) ranDespitePublishError++;
      else unexpected++;
    }
    if (runs > maxRuns) maxRuns = runs;
    if (runs < 2) continue;
    duplicated++;
    extraRuns += runs - 1;
    const firstDone = history.dones[0];
    if (firstDone !== undefined && history.starts.some((s) => s.t > firstDone)) duplicatedAfterDone++;
    if (duplicatedSamples.length < SAMPLES) duplicatedSamples.push({ id, runs });
  }

  const recovered = new Set<string>();
  for (const fault of input.faults ?? []) {
    for (const id of inFlightAt(byId, fault.at, (id) => sent.has(id))) {
      if (byId.get(id)!.dones.some((t) => t > fault.at)) recovered.add(id);
    }
  }

  return {
    sent: sent.size,
    publishFailed: failed.size,
    completed,
    lost,
    lostNeverStarted,
    lostStillQueued,
    lostEarlyAckAllowed,
    deadLettered,
    poisonDeadLettered: [...poison].filter((id) => dead.has(id)).length,
    duplicated,
    duplicatedAfterDone,
    extraRuns,
    maxRuns,
    recovered: recovered.size,
    ranDespitePublishError,
    unexpected,
    poisonRuns,
    lostSamples,
    duplicatedSamples,
  };
}
