/** Narrowing helpers for values that arrive as `unknown` (JSON bodies, caught errors). */

export type JsonObject = { [key: string]: unknown };

export function isRecord(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === 'string' ? e : JSON.stringify(e);
}

/** Node's system errors carry a string `code` (ENOENT, ECONNREFUSED, …). */
export function errnoCode(e: unknown): string | undefined {
  if (e instanceof Error && 'code' in e && typeof e.code === 'string') return e.code;
  return undefined;
}

export function deepClone<T>(v: T): T {
  return structuredClone(v);
}
