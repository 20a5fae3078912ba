/** Pod Security Standards: levels, namespace labels, and the checks of each level (pure). */
export * from './policy.js';
export { describeViolations, evaluatePod, podViewOf, templateViewOf, violationMessage, type PodView, type Violation } from './evaluate.js';
export { BASELINE_CAPABILITIES, safeSysctls } from './baseline.js';
