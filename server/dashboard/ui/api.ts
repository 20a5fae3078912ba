/**
 * The browser's way to the hub's API: the bearer token lives in this tab's sessionStorage (never
 * in a URL, never logged), every request sends it as a header.
 */
const TOKEN_KEY = 'flotilla.token';

export function storedToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function storeToken(token: string | undefined): void {
  if (token === undefined) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** A Kubernetes Status answer (or a network failure) as an Error with the server's message. */
export class ApiFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = storedToken();
  return { Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extra };
}

async function failure(res: Response): Promise<ApiFailure> {
  const text = await res.text();
  try {
    const status = JSON.parse(text) as { message?: unknown };
    if (typeof status.message === 'string') return new ApiFailure(res.status, status.message);
  } catch {
    // not a Status
  }
  return new ApiFailure(res.status, `${res.status} ${res.statusText}`);
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { headers: headers(), cache: 'no-store', ...(signal ? { signal } : {}) });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export type PatchType = 'merge' | 'strategic' | 'json';
const PATCH_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

export async function patch(path: string, body: unknown, type: PatchType = 'merge'): Promise<void> {
  const res = await fetch(path, { method: 'PATCH', headers: headers({ 'Content-Type': PATCH_TYPES[type] }), body: JSON.stringify(body) });
  if (!res.ok) throw await failure(res);
}

export async function post(path: string, body: unknown): Promise<void> {
  const res = await fetch(path, { method: 'POST', headers: headers({ 'Content-Type': 'application/json' }), body: JSON.stringify(body) });
  if (!res.ok) throw await failure(res);
}

/**
 * Reads a newline-delimited JSON stream (watches, the heartbeat feed, logs as text lines) and
 * hands each line to `onLine` until the stream ends, fails or `signal` aborts.
 */
export async function readLines(path: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
  const res = await fetch(path, { headers: headers(), cache: 'no-store', signal });
  if (!res.ok || !res.body) throw await failure(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    rest += value;
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      if (line.trim() !== '') onLine(line);
    }
  }
  if (rest.trim() !== '') onLine(rest);
}

export function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}
