/** How the bench hands the vhost URL to its AMQP worker children (they inherit its environment). */

/** Environment variable holding `amqp://…/<vhost>` for worker children. */
export const AMQP_URL_ENV = 'CELERITY_BENCH_AMQP_URL';

/** The vhost URL the bench set before forking; throws when absent. */
export function amqpUrlFromEnv(): string {
  const url = process.env[AMQP_URL_ENV];
  if (!url) throw new Error(`${AMQP_URL_ENV} is not set (AMQP workers are started by the bench)`);
  return url;
}
