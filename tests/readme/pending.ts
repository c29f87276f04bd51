/**
 * README blocks known not to compile, in READMEs another branch is rewriting (broker-amqp and
 * testing: they still show the adapter registry that 62aef78 removed, or leave names undefined).
 * An entry matches one block by README and the sha256 of its code, so an edited block is tested
 * like any other; the tests fail when an entry matches no block, or when its block compiles, so
 * this list can only shrink. Entries are skipped by the run test.
 */
import { createHash } from 'node:crypto';
import type { ReadmeBlock } from './readme-blocks.js';

export interface PendingBlock {
  readonly readme: string;
  /** sha256 of the block's code, first 12 hex digits (see {@link blockSha}). */
  readonly sha: string;
  readonly reason: string;
}

export const PENDING: readonly PendingBlock[] = [];

/** The first 12 hex digits of the sha256 of a block's code. */
export function blockSha(code: string): string {
  return createHash('sha256').update(code).digest('hex').slice(0, 12);
}

/** The entry for a block, if it is pending. */
export function pendingEntry(block: Pick<ReadmeBlock, 'readme' | 'code'>): PendingBlock | undefined {
  const sha = blockSha(block.code);
  return PENDING.find((p) => p.readme === block.readme && p.sha === sha);
}
