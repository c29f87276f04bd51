/** Every benchmarked system, in report order (BullMQ first: the others are compared with it). */
import type { BenchSystem } from '../system.js';
import { beeQueueSystem } from './bee-queue.js';
import { bullmqSystem } from './bullmq.js';
import { celeritySystem } from './celerity.js';
import { celeryNodeSystem } from './celery-node.js';
import { rawIoredisBatchSystem, rawIoredisSystem } from './raw-ioredis.js';

/** All systems. */
export const SYSTEMS: readonly BenchSystem[] = [bullmqSystem, beeQueueSystem, celeryNodeSystem, rawIoredisSystem, rawIoredisBatchSystem, celeritySystem];
