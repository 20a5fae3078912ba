/** What the CLI reads and writes, injected so tests can run it in-process. */

export interface OutputStream {
  write(chunk: string): unknown;
}

export interface CliIO {
  stdout: OutputStream;
  stderr: OutputStream;
  /** Read by `-f -`. */
  stdin: AsyncIterable<string | Uint8Array>;
  env: Record<string, string | undefined>;
  /** Aborted on SIGINT: ends `get --watch`. */
  signal?: AbortSignal;
  /** The clock for AGE columns; defaults to the system time. */
  now?: () => Date;
  /** Relative file names resolve against this; defaults to process.cwd(). */
  cwd?: string;
}

export async function readAll(stream: AsyncIterable<string | Uint8Array>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(parts).toString('utf8');
}
