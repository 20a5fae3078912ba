/** core/v1 ConfigMap and Secret: key/value data for pods (env, envFrom, volumes). */
import type { TypedObject } from './meta.js';

export type ConfigMap = TypedObject<'ConfigMap'> & {
  immutable?: boolean;
  /** Keys are config keys (`[-._a-zA-Z0-9]+`); 1 MiB with binaryData. */
  data?: Record<string, string>;
  /** Base64. */
  binaryData?: Record<string, string>;
};

export type Secret = TypedObject<'Secret'> & {
  immutable?: boolean;
  /** Base64 values; `stringData` is folded in when the hub stores a Secret. */
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  /** Defaulted to Opaque. */
  type?: string;
};
