import { describe, expect, it } from 'vitest';
import { Roster } from '../src/roster.js';

describe('Roster', () => {
  it('holds what was added and not deleted, reusing freed slots', () => {
    const roster = new Roster<{ n: number }>();
    const [a, b, c] = [{ n: 1 }, { n: 2 }, { n: 3 }];
    const slotA = roster.add(a);
    const slotB = roster.add(b);
    expect(roster.size).toBe(2);
    expect(roster.delete(a, slotA)).toBe(true);
    expect(roster.has(a)).toBe(false);
    expect(roster.add(c)).toBe(slotA);
    expect(roster.values()).toEqual([c, b]);
    expect(roster.has(b, slotB)).toBe(true);
    expect(roster.size).toBe(2);
  });

  it('deletes a member by search when the slot given is not its own, and reports a member that is not in', () => {
    const roster = new Roster<string>();
    roster.add('x');
    const slotY = roster.add('y');
    expect(roster.delete('x', slotY)).toBe(true);
    expect(roster.values()).toEqual(['y']);
    expect(roster.delete('x')).toBe(false);
    expect(roster.delete('z', 0)).toBe(false);
    expect(roster.size).toBe(1);
  });

  it('holds a member added twice until it is deleted twice', () => {
    const roster = new Roster<string>();
    roster.add('x');
    roster.add('x');
    roster.delete('x');
    expect(roster.has('x')).toBe(true);
    roster.delete('x');
    expect(roster.has('x')).toBe(false);
    expect(roster.size).toBe(0);
  });

  it('finds the match added last, whatever its slot', () => {
    const roster = new Roster<{ id: string; run: number }>();
    const first = { id: 't', run: 1 };
    const other = { id: 'u', run: 2 };
    roster.add(first);
    const slot = roster.add(other);
    roster.delete(other, slot);
    const second = { id: 't', run: 3 };
    expect(roster.add(second)).toBe(slot);
    roster.add({ id: 'u', run: 4 });
    expect(roster.findLast((m) => m.id === 't')).toBe(second);
    roster.delete(second);
    expect(roster.findLast((m) => m.id === 't')).toBe(first);
    expect(roster.findLast((m) => m.id === 'v')).toBeUndefined();
  });

  it('clears', () => {
    const roster = new Roster<number>();
    roster.add(1);
    roster.add(2);
    roster.clear();
    expect(roster.size).toBe(0);
    expect(roster.values()).toEqual([]);
    expect(roster.add(3)).toBe(0);
  });
});
