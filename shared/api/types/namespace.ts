/** core/v1 Namespace. */
import type { Condition, TypedObject } from './meta.js';

export interface NamespaceSpec {
  /** Defaulted to `['kubernetes']`. */
  finalizers?: string[];
}

export interface NamespaceStatus {
  /** Active or Terminating; defaulted to Active. */
  phase?: string;
  conditions?: Condition[];
}

export type Namespace = TypedObject<'Namespace'> & {
  spec?: NamespaceSpec;
  status?: NamespaceStatus;
};
