/**
 * The one polling helper of the tests: wait until `f` yields a value (`undefined` and `false`
 * mean "not yet"), or fail naming what never came.
 */

export async function until<T>(
  what: string,
  f: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits until `read` gives the same value twice `quietMs` apart: e.g. a resourceVersion the hub's controllers stopped moving. */
export async function stable<T>(what: string, read: () => Promise<T>, quietMs = 400, ms = 10_000): Promise<T> {
  let last = await read();
  return until(what, async () => {
    await sleep(quietMs);
    const now = await read();
    const same = JSON.stringify(now) === JSON.stringify(last);
    last = now;
    return same ? now : undefined;
  }, ms, 0);
}
