/**
 * A JSON list of events written straight into UTF-8 bytes as they come: the `task.multi` body
 * without joining the events' strings and encoding the result again (two more passes over every
 * byte a busy worker sends; the bench's events row).
 */

const OPEN = 0x5b; // [
const COMMA = 0x2c;
const CLOSE = 0x5d; // ]

/** See the module comment. */
export class JsonListBytes {
  private bytes: Buffer;
  private used = 0;
  /** Items in the list so far. */
  count = 0;

  /** @param capacity bytes to start each list with (it grows as needed) */
  constructor(private readonly capacity: number) {
    this.bytes = Buffer.allocUnsafe(capacity);
  }

  /** Adds one item, already JSON text. */
  add(json: string): void {
    // A UTF-16 unit takes at most 3 bytes in UTF-8; one more for the separator, one for the close.
    const most = this.used + json.length * 3 + 2;
    if (most > this.bytes.length) this.grow(most);
    this.bytes[this.used++] = this.count === 0 ? OPEN : COMMA;
    this.used += this.bytes.write(json, this.used, 'utf8');
    this.count++;
  }

  /** The list's bytes, closed; the next item starts a new list. Empty lists read `[]`. */
  take(): Uint8Array {
    if (this.count === 0) this.bytes[this.used++] = OPEN;
    this.bytes[this.used++] = CLOSE;
    const list = this.bytes.subarray(0, this.used);
    // A fresh buffer for the next list: a broker may still hold this one while it publishes.
    this.bytes = Buffer.allocUnsafe(this.capacity);
    this.used = 0;
    this.count = 0;
    return list;
  }

  private grow(most: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(most, this.bytes.length * 2));
    this.bytes.copy(bigger, 0, 0, this.used);
    this.bytes = bigger;
  }
}
