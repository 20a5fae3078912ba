export { garbageCollectors } from './controller.js';
