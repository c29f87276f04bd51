/** Loads the copied Celery vectors (see fixtures/README.md). */
import { readFileSync } from 'node:fs';
import type { ResultMeta } from '@celerity/core';

export function loadFixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as T;
}

/** One stored task meta: key, exact value, TTL and the parsed meta. */
export interface MetaVector {
  name: string;
  key: string;
  ttl: number;
  value: string;
  decoded: ResultMeta;
}

interface SetexFile {
  setex: { key: string; ttl_seconds: number; value: string };
  decoded: ResultMeta;
}
interface ValuesFile {
  values: { key: string; ttl_seconds: number; value: string; decoded: ResultMeta }[];
}

const SINGLE = [
  'result_success',
  'result_success_rich',
  'result_success_after_retries',
  'result_failure',
  'result_failure_hard_time_limit',
  'result_retry_1',
  'result_retry_2',
  'result_started',
  'result_revoked',
  'result_revoked_terminated',
  'result_progress_custom_state',
];

/** Every task meta captured from Celery, one entry per stored value. */
export function metaVectors(): MetaVector[] {
  const out: MetaVector[] = SINGLE.map((name) => {
    const f = loadFixture<SetexFile>(name);
    return { name, key: f.setex.key, ttl: f.setex.ttl_seconds, value: f.setex.value, decoded: f.decoded };
  });
  for (const name of ['result_extended', 'result_chain_members']) {
    loadFixture<ValuesFile>(name).values.forEach((v, i) => {
      out.push({ name: `${name}[${i}]`, key: v.key, ttl: v.ttl_seconds, value: v.value, decoded: v.decoded });
    });
  }
  const group = loadFixture<{ members: { key: string; value: string; decoded: ResultMeta }[] }>('group_meta_taskset');
  group.members.forEach((m, i) => out.push({ name: `group_meta_taskset.members[${i}]`, key: m.key, ttl: 86400, value: m.value, decoded: m.decoded }));
  return out;
}
