import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/args.js';
import { SCENARIO_NAMES } from '../src/config.js';
import { SYSTEM_NAMES } from '../src/system.js';

describe('parseArgs', () => {
  it('runs everything at full size by default', () => {
    expect(parseArgs([])).toEqual({ quick: false, only: [...SYSTEM_NAMES], scenarios: [...SCENARIO_NAMES], help: false, cpuProf: false, amqp: true, rateLimit: true, pools: true, events: true, canvas: true, beat: true, cluster: false, amqpCluster: true, pg: ['graphile-worker', 'pg-boss'], features: true, farEta: true, scale: true, python: true, latency: true });
  });
  it('selects the features, far-eta and scale parts by name, alone or together', () => {
    expect(parseArgs(['--only', 'features'])).toMatchObject({ only: [], scenarios: [], amqp: false, pools: false, events: false, features: true, farEta: false, scale: false });
    expect(parseArgs(['--scenario', 'far-eta,scale'])).toMatchObject({ only: [], scenarios: [], features: false, farEta: true, scale: true });
    expect(parseArgs(['--only', 'celerity'])).toMatchObject({ features: false, farEta: false, scale: false });
  });
  it('reads --quick, --only lists (in the bench order), --scenario=… and --cpu-prof', () => {
    const args = parseArgs(['--quick', '--only', 'celerity,bullmq', '--scenario=process', '--scenario', 'bytes', '--cpu-prof']);
    expect(args.quick).toBe(true);
    expect(args.only).toEqual(['bullmq', 'celerity']);
    expect(args.scenarios).toEqual(['process', 'bytes']);
    expect(args.cpuProf).toBe(true);
    expect(args.amqp).toBe(false);
  });
  it('selects the rate-limit rows with `ratelimit` in --only or --scenario, alone or beside others', () => {
    expect(parseArgs(['--only', 'ratelimit'])).toMatchObject({ only: [], scenarios: [], amqp: false, rateLimit: true });
    expect(parseArgs(['--scenario', 'ratelimit'])).toMatchObject({ only: [], scenarios: [], amqp: false, rateLimit: true });
    expect(parseArgs(['--scenario', 'amqp,ratelimit'])).toMatchObject({ only: [], scenarios: [], amqp: true, rateLimit: true });
    expect(parseArgs(['--only', 'celerity'])).toMatchObject({ rateLimit: false });
    expect(parseArgs(['--only', 'amqp'])).toMatchObject({ rateLimit: false });
  });

  it('selects the RabbitMQ rows with `amqp` in --only or --scenario', () => {
    expect(parseArgs(['--only', 'amqp'])).toMatchObject({ only: [], scenarios: [], amqp: true });
    expect(parseArgs(['--scenario', 'amqp'])).toMatchObject({ only: [], scenarios: [], amqp: true });
    expect(parseArgs(['--only', 'celerity,amqp', '--scenario', 'process'])).toMatchObject({ only: ['celerity'], scenarios: ['process'], amqp: false });
    expect(parseArgs(['--only', 'celerity,amqp'])).toMatchObject({ only: ['celerity'], scenarios: [...SCENARIO_NAMES], amqp: true });
    expect(parseArgs(['--scenario', 'process,amqp'])).toMatchObject({ only: [...SYSTEM_NAMES], scenarios: ['process'], amqp: true });
    expect(parseArgs(['--only', 'celerity'])).toMatchObject({ amqp: false });
  });
  it('selects the pool rows with `pools` in --only or --scenario', () => {
    expect(parseArgs(['--only', 'pools'])).toMatchObject({ only: [], scenarios: [], amqp: false, pools: true });
    expect(parseArgs(['--scenario', 'pools,amqp'])).toMatchObject({ only: [], scenarios: [], amqp: true, pools: true });
    expect(parseArgs(['--only', 'celerity'])).toMatchObject({ pools: false, events: false });
    expect(parseArgs(['--only', 'events'])).toMatchObject({ only: [], scenarios: [], amqp: false, pools: false, rateLimit: false, events: true });
  });
  it('runs the Redis Cluster rows only when `cluster` is named in --only or --scenario', () => {
    expect(parseArgs(['--only', 'cluster'])).toMatchObject({ only: [], scenarios: [], amqp: false, pools: false, rateLimit: false, events: false, canvas: false, beat: false, cluster: true });
    expect(parseArgs(['--scenario', 'cluster'])).toMatchObject({ only: [], scenarios: [], beat: false, cluster: true });
    expect(parseArgs(['--only', 'celerity,cluster'])).toMatchObject({ only: ['celerity'], cluster: true, beat: false });
    expect(parseArgs(['--only', 'beat'])).toMatchObject({ cluster: false });
  });

  it('selects the RabbitMQ cluster rows with `amqp-cluster` in --only or --scenario', () => {
    expect(parseArgs(['--only', 'amqp-cluster'])).toMatchObject({ only: [], scenarios: [], amqp: false, pools: false, rateLimit: false, events: false, canvas: false, beat: false, amqpCluster: true });
    expect(parseArgs(['--scenario', 'amqp-cluster'])).toMatchObject({ only: [], scenarios: [], amqp: false, amqpCluster: true });
    expect(parseArgs(['--only', 'amqp'])).toMatchObject({ amqp: true, amqpCluster: false });
  });

  it('selects the beat takeover row with `beat` in --only or --scenario', () => {
    expect(parseArgs(['--only', 'beat'])).toMatchObject({ only: [], scenarios: [], amqp: false, pools: false, rateLimit: false, events: false, canvas: false, beat: true });
    expect(parseArgs(['--only', 'canvas'])).toMatchObject({ beat: false });
  });

  it('selects the canvas rows with `canvas` in --only or --scenario', () => {
    expect(parseArgs(['--only', 'canvas'])).toMatchObject({ only: [], scenarios: [], amqp: false, pools: false, rateLimit: false, events: false, canvas: true });
    expect(parseArgs(['--scenario', 'canvas,events'])).toMatchObject({ only: [], scenarios: [], events: true, canvas: true });
    expect(parseArgs(['--only', 'celerity'])).toMatchObject({ canvas: false });
  });
  it('selects the Python Celery rows with `python` and the latency rows with `latency`, alone or together', () => {
    expect(parseArgs(['--only', 'python'])).toMatchObject({ only: [], scenarios: [], amqp: false, canvas: false, python: true, latency: false });
    expect(parseArgs(['--scenario', 'latency'])).toMatchObject({ only: [], scenarios: [], amqp: false, events: false, python: false, latency: true });
    expect(parseArgs(['--only', 'python,latency', '--quick'])).toMatchObject({ only: [], scenarios: [], quick: true, python: true, latency: true });
    expect(parseArgs(['--only', 'celerity'])).toMatchObject({ python: false, latency: false });
  });
  it('skips the `--` pnpm may pass through', () => {
    expect(parseArgs(['--', '--quick']).quick).toBe(true);
  });
  it('names the valid choices when a system or scenario is unknown', () => {
    expect(() => parseArgs(['--only', 'bull'])).toThrow(/unknown system 'bull'.*bullmq/);
    expect(() => parseArgs(['--scenario', 'latenc'])).toThrow(/unknown scenario 'latenc'.*round-trip/);
    expect(() => parseArgs(['--only'])).toThrow(/needs a value/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option/);
  });
});
