/**
 * A set of the objects a worker holds while a task is in it (reserved, running, terminable), kept
 * in array slots instead of a `Set` or `Map`. Every task went into and out of three hash tables,
 * and with them a busy worker's old space filled with promoted garbage between full collections:
 * at concurrency 10 (3 × 50,000 tasks) its largest old space was 42–46 MiB, and 19–22 MiB with
 * these rosters (peak RSS 132–139 → 113–115 MiB). Our reading of why: a hash table rehashes into a
 * new table as members come and go, and one left behind in old space still names young members,
 * which keeps them alive through scavenges until they are promoted. A slot here is overwritten in
 * place when its member leaves, and the array only grows to the most members held at once.
 */
export class Roster<T> {
  private readonly slots: Array<T | undefined> = [];
  /** When each slot's member came in (a counter), for {@link findLast}. */
  private readonly since: number[] = [];
  private readonly free: number[] = [];
  private count = 0;
  private added = 0;

  /** Members now. */
  get size(): number {
    return this.count;
  }

  /** Adds `member` (again, if it is already in); returns its slot, to pass to {@link delete}. */
  add(member: T): number {
    const slot = this.free.pop() ?? this.slots.length;
    this.slots[slot] = member;
    this.since[slot] = this.added++;
    this.count++;
    return slot;
  }

  /** Removes `member` from `slot` when it is there, otherwise from a slot it is in; whether it was in. */
  delete(member: T, slot?: number): boolean {
    const at = slot !== undefined && this.slots[slot] === member ? slot : this.slots.lastIndexOf(member);
    if (at < 0) return false;
    this.slots[at] = undefined;
    this.free.push(at);
    this.count--;
    return true;
  }

  /** Whether `member` is in (at `slot` when given). */
  has(member: T, slot?: number): boolean {
    return slot !== undefined && this.slots[slot] === member ? true : this.slots.includes(member);
  }

  /** Of the members `match` accepts, the one added last. */
  findLast(match: (member: T) => boolean): T | undefined {
    let found: T | undefined;
    let foundSince = -1;
    for (let at = 0; at < this.slots.length; at++) {
      const member = this.slots[at];
      if (member !== undefined && this.since[at]! > foundSince && match(member)) {
        found = member;
        foundSince = this.since[at]!;
      }
    }
    return found;
  }

  /** The members, in slot order (not the order they came in). */
  values(): T[] {
    const out: T[] = [];
    for (const member of this.slots) if (member !== undefined) out.push(member);
    return out;
  }

  /** Removes every member. */
  clear(): void {
    this.slots.length = 0;
    this.since.length = 0;
    this.free.length = 0;
    this.count = 0;
  }
}
