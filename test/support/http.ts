/** A small JSON HTTP client for API tests: sends what the test says, returns status, headers and body. */

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface ApiRequest {
  method?: string;
  body?: unknown;
  /** Sent as-is when a string (for malformed-input tests). */
  rawBody?: string | Buffer;
  contentType?: string;
  token?: string | null;
  accept?: string;
}

export type Api = <T = Record<string, unknown>>(path: string, req?: ApiRequest) => Promise<ApiResponse<T>>;

export function apiClient(baseUrl: () => string, token: string): Api {
  return async <T>(path: string, req: ApiRequest = {}): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = {};
    const tok = req.token === undefined ? token : req.token;
    if (tok !== null) headers['Authorization'] = `Bearer ${tok}`;
    if (req.accept) headers['Accept'] = req.accept;
    let body: string | Buffer | undefined;
    if (req.rawBody !== undefined) body = req.rawBody;
    else if (req.body !== undefined) body = JSON.stringify(req.body);
    if (body !== undefined) headers['Content-Type'] = req.contentType ?? 'application/json';
    const res = await fetch(baseUrl() + path, { method: req.method ?? 'GET', headers, body, signal: AbortSignal.timeout(15_000) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // plain text answers (readyz) stay text
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  };
}
