import { createJsonSerializer } from '@celerity/core';
import type { Serializer } from '@celerity/core';
import { isJsonSerializer, withPythonSeparators } from './python-json.js';

/** Celery's default `result_serializer`: JSON (kombu legacy mode, readable by every Celery 5.x). */
export function defaultResultSerializer(): Serializer {
  return createJsonSerializer();
}

/** The serializer the backend writes with: JSON ones get Python's separators, others are used as they are. */
export function resultSerializer(serializer: Serializer | undefined): Serializer {
  const chosen = serializer ?? defaultResultSerializer();
  return isJsonSerializer(chosen) ? withPythonSeparators(chosen) : chosen;
}
