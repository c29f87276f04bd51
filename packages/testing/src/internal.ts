/**
 * `@celerity/testing/internal` — helpers the Celerity packages' own tests use and adapter authors
 * should not need: not covered by semver, may change in any release.
 */
export { sleep } from './helpers.js';
