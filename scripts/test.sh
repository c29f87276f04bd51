#!/usr/bin/env bash
# The whole suite: unit, type, integration and interop tests (vitest projects), then one plain
# summary line ("N passed, N failed") that CI reads.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-results
report=test-results/vitest.json
rm -f "$report"
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?
node -e '
const fs = require("fs");
const file = process.argv[1];
if (!fs.existsSync(file)) { console.log("Tests: 0 passed, 1 failed (no report written)"); process.exit(0); }
const r = JSON.parse(fs.readFileSync(file, "utf8"));
const skipped = (r.numPendingTests || 0) + (r.numTodoTests || 0);
console.log(`Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' "$report"
exit $status
