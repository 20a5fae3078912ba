export { nodeDesiredStateController, type NodeDesiredStateDeps } from './controller.js';
export { desiredContent, type DesiredContent } from './content.js';
