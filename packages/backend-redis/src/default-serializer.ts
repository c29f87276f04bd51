import { createJsonSerializer } from '@celerity/core';
import type { Serializer } from '@celerity/core';
import { isJsonSerializer, withPythonSeparators } from './python-separators.js';

/**
 * Celery's default `result_serializer`: JSON (kombu legacy mode, readable by every Celery 5.x), with
 * Python's separators, so stored values are byte for byte a Python worker's.
 */
export function defaultResultSerializer(): Serializer {
  return createJsonSerializer({ separators: 'python' });
}

/** The serializer the backend writes with: JSON ones get Python's separators, others are used as they are. */
export function resultSerializer(serializer: Serializer | undefined): Serializer {
  if (serializer === undefined) return defaultResultSerializer();
  return isJsonSerializer(serializer) ? withPythonSeparators(serializer) : serializer;
}
