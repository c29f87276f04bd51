#!/usr/bin/env bash
# The whole suite: unit, type, integration and interop tests (vitest projects) against the shared
# servers, then the server version matrix (scripts/matrix.sh: Redis 8.0, Valkey 8.1, RabbitMQ 4.0),
# then the bench's unit tests, then one plain summary line ("N passed, N failed") over all of them
# that CI reads. With arguments (vitest filters) only that vitest run, no matrix.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-results
report=test-results/vitest.json
rm -f "$report" test-results/matrix-*.json
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?
if [ "$#" = 0 ]; then
  bash scripts/matrix.sh
  matrix=$?
  [ "$status" = 0 ] && status=$matrix
  # The bench's unit tests (stats, reports, targets, argument parsing); its smoke tests (*.int) start
  # whole benchmark rows and stay with `pnpm --filter @celerity/bench test`.
  (cd bench && npx vitest run --exclude 'test/**/*.int.test.ts' --reporter=default --reporter=json --outputFile.json=../test-results/matrix-bench-unit.json)
  bench=$?
  [ "$status" = 0 ] && status=$bench
fi
node -e '
const fs = require("fs");
const [main, ...matrix] = process.argv.slice(1);
let passed = 0, failed = 0, skipped = 0;
if (!fs.existsSync(main)) failed++;
for (const file of [main, ...matrix].filter((f) => fs.existsSync(f))) {
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += (r.numPendingTests || 0) + (r.numTodoTests || 0);
}
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped${fs.existsSync(main) ? "" : " (no report written)"}`);
' "$report" test-results/matrix-*.json
exit $status
