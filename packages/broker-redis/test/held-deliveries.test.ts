import { describe, expect, it } from 'vitest';
import { HeldDeliveries, RedisDelivery } from '../src/delivery.js';

const owner = { settle: () => Promise.resolve() };
const delivery = (tag: string): RedisDelivery =>
  new RedisDelivery({ body: new Uint8Array(), contentType: 'application/json', contentEncoding: 'utf-8', headers: {}, properties: {} }, 'q', '', 'q', false, tag, owner);

describe('HeldDeliveries', () => {
  it('hands back exactly the deliveries added and not deleted', () => {
    const held = new HeldDeliveries();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(delivery) as [RedisDelivery, RedisDelivery, RedisDelivery, RedisDelivery];
    held.add(a);
    held.add(b);
    held.add(c);
    held.delete(b);
    held.delete(b);
    held.add(d);
    expect(held.takeAll().map((x) => x.deliveryTag).sort()).toEqual(['a', 'c', 'd']);
    expect(held.takeAll()).toEqual([]);
    expect([a, b, c, d].map((x) => x.slot)).toEqual([-1, -1, -1, -1]);
  });

  it('reuses freed slots, so a steady flow does not grow it', () => {
    const held = new HeldDeliveries();
    for (let i = 0; i < 1000; i++) {
      const x = delivery(`t${i}`);
      held.add(x);
      expect(x.slot).toBe(0);
      held.delete(x);
    }
    expect(held.takeAll()).toEqual([]);
  });

  it('ignores a delivery it does not hold', () => {
    const held = new HeldDeliveries();
    const a = delivery('a');
    held.add(a);
    const stranger = delivery('b');
    stranger.slot = a.slot;
    held.delete(stranger);
    expect(held.takeAll()).toEqual([a]);
  });
});
