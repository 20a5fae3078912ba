// Mocha reporter: the spec reporter's output, then a plain closing line
// "N passed, N failed" (", N skipped" when any were skipped) that CI reads.
'use strict';
const Mocha = require('mocha');

class FlotillaReporter extends Mocha.reporters.Spec {
  epilogue() {
    super.epilogue();
    const s = this.stats;
    const skipped = s.pending > 0 ? `, ${s.pending} skipped` : '';
    process.stdout.write(`\n${s.passes} passed, ${s.failures} failed${skipped}\n`);
  }
}
module.exports = FlotillaReporter;
