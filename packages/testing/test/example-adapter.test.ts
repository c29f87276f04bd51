/**
 * The walkthrough's example (docs/adapters.md) passes the suites it claims: the broker suite (its
 * priority and broadcast tests skip themselves: the capabilities say it has neither) and the
 * backend suite, with adapters resolved from `example://` URLs as an application resolves them.
 */
import { createBackendFromUrl, createBrokerFromUrl } from '@celerity/core';
import { randomSuffix, runBackendConformance, runBrokerConformance } from '@celerity/testing';
import { backendAdapter, brokerAdapter } from './example-adapter/adapter.js';

// A server of this run's own: nothing is shared with other test files.
const url = `example://conformance-${randomSuffix()}`;
const adapters = [brokerAdapter, backendAdapter];

runBrokerConformance('example', () => createBrokerFromUrl(url, { adapters }));
runBackendConformance('example', () => createBackendFromUrl(url, { adapters }));
