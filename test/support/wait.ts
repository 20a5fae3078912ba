/** Bounded polling for tests: wait until `f` yields a value, or fail naming what never came. */

export async function until<T>(what: string, f: () => T | undefined | Promise<T | undefined>, ms = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
