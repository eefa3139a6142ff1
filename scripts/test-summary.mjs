// Prints one closing line for the whole suite ("N passed, N failed") from the JSON reports that
// scripts/test-all.sh asks Vitest and Playwright to write.
import { existsSync, readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
let skipped = 0;
let flaky = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    failed += 1; // a stage that wrote no report did not run its tests
    continue;
  }
  const report = JSON.parse(readFileSync(file, "utf8"));
  if ("numPassedTests" in report) {
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += report.numPendingTests + report.numTodoTests;
  } else if (report.stats) {
    passed += report.stats.expected + report.stats.flaky;
    flaky += report.stats.flaky;
    failed += report.stats.unexpected;
    skipped += report.stats.skipped;
  }
}
if (flaky > 0) console.log(`Flaky: ${flaky} end-to-end test(s) passed only on retry; see the list above`);
console.log(`Summary: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
