/**
 * IntOrString fields that hold a count or a percentage (`maxUnavailable: 1`, `maxSurge: "25%"`),
 * scaled as apimachinery's `intstr.GetScaledValueFromIntOrPercent` does.
 */

export type IntOrPercent = number | `${number}%`;

const PERCENT_RE = /^[0-9]+%$/;

/** A non-negative integer, or a string `N%`; anything else throws an Error naming `field`. */
export function parseIntOrPercent(field: string, value: unknown): IntOrPercent {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === 'string') {
    if (PERCENT_RE.test(value)) return value as `${number}%`;
    if (/^[0-9]+$/.test(value)) return Number(value);
  }
  throw new Error(`${field}: expected a non-negative integer or a percentage such as 25%, got ${JSON.stringify(value)}`);
}

export function isPercent(v: IntOrPercent): v is `${number}%` {
  return typeof v === 'string';
}

/**
 * The value scaled against `total`: an integer as is, a percentage of `total` rounded up
 * (maxSurge) or down (maxUnavailable), as Kubernetes does.
 */
export function scaledValue(v: IntOrPercent, total: number, roundUp: boolean): number {
  if (!isPercent(v)) return v;
  const exact = (Number(v.slice(0, -1)) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}
