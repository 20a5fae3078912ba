/**
 * core/v1 Volume: Flotilla runs emptyDir, hostPath, configMap and secret volumes; validation
 * refuses every other source, so a decoded volume has exactly one of these four.
 */
import type { Quantity } from './meta.js';

export type StorageMedium = '' | 'Memory';
export type HostPathType = '' | 'DirectoryOrCreate' | 'Directory' | 'FileOrCreate' | 'File' | 'Socket' | 'CharDevice' | 'BlockDevice';

export interface EmptyDirVolumeSource {
  medium?: StorageMedium;
  sizeLimit?: Quantity;
}

export interface HostPathVolumeSource {
  path: string;
  /** Defaulted to '' (no check). */
  type?: HostPathType;
}

/** A key of a ConfigMap or Secret projected to a relative path. */
export interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

export interface ConfigMapVolumeSource {
  name: string;
  items?: KeyToPath[];
  /** Defaulted to 0644. */
  defaultMode?: number;
  optional?: boolean;
}

export interface SecretVolumeSource {
  secretName: string;
  items?: KeyToPath[];
  /** Defaulted to 0644. */
  defaultMode?: number;
  optional?: boolean;
}

export interface Volume {
  name: string;
  emptyDir?: EmptyDirVolumeSource;
  hostPath?: HostPathVolumeSource;
  configMap?: ConfigMapVolumeSource;
  secret?: SecretVolumeSource;
}
