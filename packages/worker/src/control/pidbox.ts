/**
 * The worker's mailbox (Celery's pidbox consumer): subscribes to the `celery.pidbox` broadcast,
 * runs the commands addressed to this worker, and replies when the caller asked for replies.
 * A failing command replies `{error: …}` and never stops the worker.
 */
import type { Broker, Logger, Subscription } from '@celerity/core';
import { CONTROL_EXCHANGE, controlRequestIsFor, decodeControlRequest, encodeControlReply, publishControlReply } from '@celerity/core/internal';
import type { ControlRequest } from '@celerity/core';
import { NO_REPLY } from './commands.js';
import type { ControlCommand, ControlHost } from './commands.js';

/** Options of {@link startPidbox}. */
export interface PidboxOptions {
  broker: Broker;
  host: ControlHost;
  commands: Readonly<Record<string, ControlCommand>>;
  logger: Logger;
}

async function dispatch(request: ControlRequest, options: PidboxOptions): Promise<unknown> {
  const command = Object.hasOwn(options.commands, request.method) ? options.commands[request.method] : undefined;
  if (command === undefined) {
    options.logger.error(`No such control command: ${request.method}`);
    return { error: `No such control command: ${request.method}` };
  }
  try {
    return await command(request.arguments, options.host);
  } catch (error) {
    options.logger.error(`pidbox command error: ${request.method}: ${(error as Error).message}`, { error });
    // kombu replies `repr(exc)`: `ValueError('Autoscale not enabled')`.
    const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
    return { error: `${name}(${JSON.stringify(message).replace(/^"|"$/g, "'")})` };
  }
}

/**
 * Subscribes the worker to control requests; unsubscribe to stop. Where the broker has subscriber
 * queues (AMQP), the worker's is named as kombu names it: `<hostname>.celery.pidbox`.
 */
export function startPidbox(options: PidboxOptions): Promise<Subscription> {
  const { broker, host, logger } = options;
  return broker.subscribe(CONTROL_EXCHANGE, '', ({ envelope }) => {
    let request: ControlRequest;
    try {
      request = decodeControlRequest(envelope);
    } catch (error) {
      logger.warn(`Ignored a control message: ${(error as Error).message}`);
      return;
    }
    if (!controlRequestIsFor(request, host.hostname)) return;
    logger.debug(`pidbox received method ${request.method}`);
    void dispatch(request, options).then(async (result) => {
      const { replyTo, ticket } = request;
      if (replyTo === undefined || ticket === undefined || result === NO_REPLY) return;
      await publishControlReply(broker, replyTo, encodeControlReply({ hostname: host.hostname, result, ticket })).catch((error: unknown) =>
        logger.warn(`Could not reply to ${request.method}: ${(error as Error).message}`, { error }),
      );
    });
  }, { queue: `${host.hostname}.celery.pidbox` });
}
