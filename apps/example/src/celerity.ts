// The `celerity` command, run through @celerity/worker's `./cli` entry point (the module its
// `celerity` bin runs) rather than a path into the package: `node src/celerity.ts worker -A …`.
await import('@celerity/worker/cli');
