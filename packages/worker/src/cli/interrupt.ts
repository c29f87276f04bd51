/**
 * Ctrl-C in a command that waits (for replies, a result, a connection): leave at once with 130
 * (128 + SIGINT, what shells report), without waiting for connections to close. The worker
 * command handles its signals itself (warm, then cold shutdown).
 */
export function exitAtOnceOnInterrupt(): void {
  process.on('SIGINT', () => {
    process.stderr.write('\n');
    process.exit(130);
  });
}
