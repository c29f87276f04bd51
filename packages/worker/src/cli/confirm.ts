/** A yes/no question on the terminal, as click's `confirm` asks it (default no). */
import { createInterface } from 'node:readline';

/**
 * Asks `question` on stderr and reads one line from stdin: true for y/yes, false for anything else
 * or for the end of the input (nothing piped in). Ctrl-C while it waits exits at once with 130.
 */
export function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY === true });
  return new Promise<boolean>((resolve) => {
    let answered = false;
    rl.on('SIGINT', () => {
      process.stderr.write('\n');
      process.exit(130);
    });
    rl.on('close', () => {
      if (!answered) process.stderr.write('\n');
      resolve(false);
    });
    rl.question(`${question} [y/N]: `, (answer) => {
      answered = true;
      resolve(/^(y|yes)$/i.test(answer.trim()));
      rl.close();
    });
  });
}
