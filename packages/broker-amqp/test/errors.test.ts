/** Recognising RabbitMQ closing a connection over a denied deprecated feature (RabbitMQ 4.3's defaults). */
import { ConfigurationError } from '@celerity/core';
import { describe, expect, it } from 'vitest';
import { deprecatedFeatureRefused, featureRefusedError } from '../src/errors.js';

// What amqplib reports when RabbitMQ 4.0 (denying the feature) closes the connection.
const refusal = Object.assign(
  new Error('Connection closed: 541 (INTERNAL-ERROR) with message "INTERNAL_ERROR - Feature `transient_nonexcl_queues` is deprecated.\nIts use is not permitted per the configuration'),
  { code: 541 },
);

describe('deprecatedFeatureRefused', () => {
  it('names the feature of a 541 close that says it is deprecated', () => {
    expect(deprecatedFeatureRefused(refusal)).toBe('transient_nonexcl_queues');
  });

  it('is undefined for other closes and errors', () => {
    expect(deprecatedFeatureRefused(Object.assign(new Error('Connection closed: 541 (INTERNAL-ERROR) with message "INTERNAL_ERROR"'), { code: 541 }))).toBeUndefined();
    expect(deprecatedFeatureRefused(Object.assign(new Error('Feature `global_qos` is deprecated'), { code: 406 }))).toBeUndefined();
    expect(deprecatedFeatureRefused(new Error('socket closed'))).toBeUndefined();
    expect(deprecatedFeatureRefused(undefined)).toBeUndefined();
  });
});

describe('featureRefusedError', () => {
  it('is a ConfigurationError saying what to do, with the close as its cause', () => {
    const error = featureRefusedError('transient_nonexcl_queues', 'declare queue "q"', refusal);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe(
      'AMQP declare queue "q" failed: RabbitMQ closed the connection because it uses the deprecated feature `transient_nonexcl_queues`; declare the queue durable (RabbitMQ 4.3 denies queues that are neither durable nor exclusive)',
    );
    expect(error.cause).toBe(refusal);
    expect(featureRefusedError('global_qos', 'consume', refusal).message).toMatch(/deprecated_features\.permit\.global_qos/);
  });
});
