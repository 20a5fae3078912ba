/** apps/v1 ControllerRevision: an immutable snapshot of a controller's template. */
import type { TypedObject } from './meta.js';

export type ControllerRevision = TypedObject<'ControllerRevision'> & {
  /** The snapshot (a RawExtension): any JSON, typically a strategic merge patch of the template. */
  data: unknown;
  revision: number;
};
