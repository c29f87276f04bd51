/**
 * Internals shared by the @celerity/* packages (client, worker, adapters). Not a public API:
 * anything here may change in any release.
 */
export {};
