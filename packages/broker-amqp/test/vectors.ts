/** Loads the captured AMQP vectors copied into `fixtures/amqp` (see fixtures/README.md). */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCeleryJson } from '@celerity/core';

const dir = fileURLToPath(new URL('./fixtures/amqp/', import.meta.url));

/** One task message as amqplib received it, with what Celery published. */
export interface TaskVector {
  file: string;
  index: number;
  queue: string;
  fields: Record<string, unknown>;
  /** amqplib's `message.properties`, headers included. */
  properties: Record<string, unknown> & { headers: Record<string, unknown> };
  body: Buffer;
  published: { exchange: string; routing_key: string; properties_py_amqp_names: Record<string, unknown> };
}

/** A fixture file, parsed with Celery's JSON rules (big integers stay exact). */
export function loadFixture(name: string): Record<string, unknown> {
  return parseCeleryJson(readFileSync(`${dir}${name}`, 'utf8')) as Record<string, unknown>;
}

/** Every task message received with amqplib in the `task_*.json` files. */
export function taskVectors(): TaskVector[] {
  const out: TaskVector[] = [];
  for (const file of readdirSync(dir).filter((f) => f.startsWith('task_') && f.endsWith('.json')).sort()) {
    const items = (loadFixture(file)['items'] ?? []) as Record<string, unknown>[];
    items.forEach((item, index) => {
      if (item['amqplib_properties'] === undefined) return;
      out.push({
        file,
        index,
        queue: item['queue'] as string,
        fields: item['amqplib_fields'] as Record<string, unknown>,
        properties: item['amqplib_properties'] as TaskVector['properties'],
        body: Buffer.from(item['body_b64'] as string, 'base64'),
        published: item['published_with'] as TaskVector['published'],
      });
    });
  }
  return out;
}

/** amqplib publish options → the py-amqp property names the RabbitMQ firehose reports. */
export function pyAmqpProperties(options: Record<string, unknown>): Record<string, unknown> {
  const names: Record<string, string> = {
    contentType: 'content_type',
    contentEncoding: 'content_encoding',
    correlationId: 'correlation_id',
    replyTo: 'reply_to',
    priority: 'priority',
    deliveryMode: 'delivery_mode',
    expiration: 'expiration',
  };
  const out: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(names)) if (options[key] !== undefined) out[name] = options[key];
  return out;
}
