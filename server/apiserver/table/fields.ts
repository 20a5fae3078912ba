/** Field access for the printers, on objects whose kind-specific parts are `unknown`. */
import { isRecord } from '../../../shared/util/guards.js';

export type Rec = Record<string, unknown>;

export function rec(v: unknown): Rec {
  return isRecord(v) ? v : {};
}

export function recs(v: unknown): Rec[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function int(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(rec(v))) if (typeof val === 'string') out[k] = val;
  return out;
}
