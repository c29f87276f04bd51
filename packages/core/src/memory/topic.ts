/**
 * AMQP topic matching for the memory broker's broadcast: words are separated by `.`, `*` matches
 * exactly one word and `#` zero or more. The empty pattern is Celerity's "fanout": it matches every key.
 */

/** Whether `routingKey` matches the binding `pattern`. */
export function topicMatches(pattern: string, routingKey: string): boolean {
  if (pattern === '' || pattern === '#') return true;
  const p = pattern.split('.');
  const k = routingKey.split('.');
  // memo: whether p[i..] matches k[j..]; memoised so patterns like `#.#.#` stay polynomial.
  const memo = new Map<number, boolean>();
  const match = (i: number, j: number): boolean => {
    const key = i * (k.length + 1) + j;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    let result: boolean;
    if (i === p.length) {
      result = j === k.length;
    } else if (p[i] === '#') {
      result = match(i + 1, j) || (j < k.length && match(i, j + 1));
    } else if (j === k.length) {
      result = false;
    } else {
      result = (p[i] === '*' || p[i] === k[j]) && match(i + 1, j + 1);
    }
    memo.set(key, result);
    return result;
  };
  return match(0, 0);
}
