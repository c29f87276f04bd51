// `pnpm celerity …` from the repository root: the `celerity` command of @celerity/worker, run
// from source through the package's `./cli` entry point (the module its `celerity` bin runs).
await import('@celerity/worker/cli');
