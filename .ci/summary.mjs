// Prints the spec run's closing line ("N passed, N failed") from vitest's JSON report, so CI
// logs end with a count any reader (or log scraper) understands.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const passed = report.numPassedTests ?? 0;
const failed = (report.numFailedTests ?? 0) + (report.numTodoTests ?? 0);
const skipped = report.numPendingTests ?? 0;
console.log(`specs: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
