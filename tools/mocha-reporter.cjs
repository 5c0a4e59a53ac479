// Spec reporter that also writes {passes, failures, pending} to the file named by the
// `report` reporter option, so the workspace test command can print one summary line.
const Mocha = require('mocha');
const { writeFileSync } = require('node:fs');

class CountingSpec extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const opts = options.reporterOptions || {};
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes, failures, pending } = this.stats;
      writeFileSync(opts.report, JSON.stringify({ project: opts.project, passes, failures, pending }));
    });
  }
}
module.exports = CountingSpec;
