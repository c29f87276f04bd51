/**
 * UTF-8 both ways, tuned for the short strings (dict keys, task names, ids) that fill Celery
 * messages: a JS loop for those, the platform's native codec for long ones.
 */

/** Below this many UTF-16 units the JS loop is faster than a call into the native codec. */
export const NATIVE_UTF8_THRESHOLD = 48;

const textEncoder = new TextEncoder();
// fatal: Python's unpackb(raw=False) raises on invalid UTF-8, so must we. ignoreBOM: a leading
// U+FEFF is data (Python keeps it), not a byte-order mark to strip.
const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Writes `s` as UTF-8 at `pos` and returns the byte count. Room for `3 * s.length` bytes must be
 * there. A lone surrogate becomes U+FFFD, as `TextEncoder` and `Buffer` write it.
 * @param native the same memory as `target` as a Node `Buffer`, when there is one
 */
export function writeUtf8(target: Uint8Array, pos: number, s: string, native: Buffer | undefined): number {
  const length = s.length;
  if (length >= NATIVE_UTF8_THRESHOLD) {
    if (native) return native.write(s, pos, 'utf8');
    return textEncoder.encodeInto(s, target.subarray(pos)).written;
  }
  let p = pos;
  for (let i = 0; i < length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      target[p++] = c;
    } else if (c < 0x800) {
      target[p++] = 0xc0 | (c >> 6);
      target[p++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      target[p++] = 0xe0 | (c >> 12);
      target[p++] = 0x80 | ((c >> 6) & 0x3f);
      target[p++] = 0x80 | (c & 0x3f);
    } else {
      const next = i + 1 < length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        target[p++] = 0xf0 | (c >> 18);
        target[p++] = 0x80 | ((c >> 12) & 0x3f);
        target[p++] = 0x80 | ((c >> 6) & 0x3f);
        target[p++] = 0x80 | (c & 0x3f);
      } else {
        target[p++] = 0xef;
        target[p++] = 0xbf;
        target[p++] = 0xbd;
      }
    }
  }
  return p - pos;
}

/** Decodes `src[start, end)`; throws a `TypeError` on invalid UTF-8. */
export function readUtf8(src: Uint8Array, start: number, end: number): string {
  if (end - start < NATIVE_UTF8_THRESHOLD) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = src[i]!;
      if (c >= 0x80) return textDecoder.decode(src.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return textDecoder.decode(src.subarray(start, end));
}
