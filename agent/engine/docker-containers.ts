/**
 * Containers: list the agent's own (managed, and with its owner label), create, start, stop
 * (grace then kill, or at once when aborted) and remove — idempotent where the reconciler needs it.
 */
import type { DockerClient } from './docker-client.js';
import { dockerErrorParts, toCreateOptions, toObserved } from './docker-map.js';
import { EngineError, isEngineError } from './errors.js';
import { LABELS, type ContainerCreateSpec, type ObservedContainer } from './types.js';

/** Every container with the managed label (and the owner's, when set), inspected, sorted by name. */
export async function listManaged(c: DockerClient, inspectConcurrency: number): Promise<ObservedContainer[]> {
  const label = [`${LABELS.managed}=true`, ...(c.owner === undefined ? [] : [`${LABELS.owner}=${c.owner}`])];
  const list = await c.call('list managed containers', (signal) => c.docker.listContainers({ all: true, filters: { label }, abortSignal: signal }));
  // The server-side filter already did it; checked again so nothing else can ever slip in.
  const ours = (l: Record<string, string> | undefined): boolean =>
    l?.[LABELS.managed] === 'true' && (c.owner === undefined || l[LABELS.owner] === c.owner);
  const ids = list.filter((summary) => ours(summary.Labels)).map((summary) => summary.Id);
  const observed = await mapLimit(ids, inspectConcurrency, (id) => inspectManaged(c, id));
  return observed
    .filter((o): o is ObservedContainer => o !== undefined)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function inspectManaged(c: DockerClient, id: string): Promise<ObservedContainer | undefined> {
  try {
    const info = await c.call(`inspect container ${id}`, (signal) =>
      c.docker.getContainer(id).inspect({ abortSignal: signal }),
    );
    return toObserved(info);
  } catch (e) {
    // Removed between the list and the inspect: it is gone, which is what the list would say now.
    if (isEngineError(e, 'NotFound')) return undefined;
    throw e;
  }
}

/** Kills at once (SIGKILL) and waits until the container no longer runs. */
async function killNow(c: DockerClient, id: string): Promise<void> {
  const container = c.docker.getContainer(id);
  try {
    await c.call(`kill container ${id}`, (signal) => container.kill({ signal: 'SIGKILL', abortSignal: signal }));
  } catch (e) {
    // 404: gone; 409: not running. Both mean there is nothing to kill.
    if (!(isEngineError(e) && (e.statusCode === 404 || e.statusCode === 409))) throw e;
  }
  try {
    await c.call(`wait for container ${id}`, (signal) => container.wait({ condition: 'not-running', abortSignal: signal }));
  } catch (e) {
    if (!isEngineError(e, 'NotFound')) throw e;
  }
}

export async function createContainer(c: DockerClient, spec: ContainerCreateSpec): Promise<string> {
  const what = `create container ${spec.name}`;
  let body;
  try {
    body = toCreateOptions(c.owner === undefined ? spec : { ...spec, labels: { ...spec.labels, [LABELS.owner]: c.owner } });
  } catch (e) {
    throw new EngineError('Failed', `${what}: ${dockerErrorParts(e).message}`, { cause: e });
  }
  try {
    const created = await c.call(what, (signal) => c.docker.createContainer({ ...body, abortSignal: signal }));
    c.log.info('created container', { name: spec.name, id: created.id, image: spec.image });
    return created.id;
  } catch (e) {
    if (!isEngineError(e)) throw e;
    const init = { statusCode: e.statusCode, cause: e.cause };
    const reason = e.message.slice(what.length + 2);
    if (e.statusCode === 409) {
      throw new EngineError('NameConflict', `${what}: the name ${spec.name} is already in use (${reason})`, init);
    }
    if (e.statusCode === 404) {
      throw new EngineError('ImageNotFound', `${what}: image ${spec.image} is not present on this node (${reason})`, init);
    }
    throw e;
  }
}

export async function startContainer(c: DockerClient, id: string): Promise<void> {
  try {
    await c.call(`start container ${id}`, (signal) => c.docker.getContainer(id).start({ abortSignal: signal }));
    c.log.info('started container', { id });
  } catch (e) {
    if (!isEngineError(e)) throw e;
    if (e.statusCode === 304) return; // already running
    // A 404 about another container (the sandbox of `container:<id>` mode is gone) is not
    // "this container does not exist".
    if (e.code === 'NotFound' && !e.message.includes(`No such container: ${id}`)) {
      throw new EngineError('Failed', e.message, { statusCode: 404, cause: e.cause });
    }
    throw e;
  }
}

export async function stopContainer(c: DockerClient, id: string, graceSeconds: number, signal?: AbortSignal): Promise<void> {
  const t = Math.max(0, Math.ceil(graceSeconds));
  const started = performance.now();
  if (signal?.aborted) {
    await killNow(c, id);
    c.log.info('killed container (stop aborted)', { id });
    return;
  }
  const ac = new AbortController();
  const onAbort = (): void => ac.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // Docker sends the stop signal, waits t seconds, kills; the answer comes once it stopped.
    await c.call(
      `stop container ${id}`,
      (timeoutSignal) => c.docker.getContainer(id).stop({ t, abortSignal: AbortSignal.any([timeoutSignal, ac.signal]) }),
      t * 1000 + c.requestTimeoutMs,
    );
    c.log.info('stopped container', { id, graceSeconds: t, ms: Math.round(performance.now() - started) });
  } catch (e) {
    if (signal?.aborted) {
      await killNow(c, id);
      c.log.info('killed container (stop aborted)', { id, ms: Math.round(performance.now() - started) });
      return;
    }
    // 304: already stopped; 404: no such container. Nothing runs either way.
    if (isEngineError(e) && (e.statusCode === 304 || e.statusCode === 404)) return;
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

export async function removeContainer(c: DockerClient, id: string): Promise<void> {
  const container = c.docker.getContainer(id);
  try {
    await c.call(`remove container ${id}`, (signal) => container.remove({ force: true, v: false, abortSignal: signal }));
    c.log.info('removed container', { id });
  } catch (e) {
    if (isEngineError(e, 'NotFound')) return;
    // "removal of container … is already in progress": wait for the other removal to finish.
    if (isEngineError(e) && e.statusCode === 409 && /already in progress/i.test(e.message)) {
      await waitGone(c, id);
      return;
    }
    throw e;
  }
}

async function waitGone(c: DockerClient, id: string): Promise<void> {
  const deadline = performance.now() + c.requestTimeoutMs;
  while (performance.now() < deadline) {
    try {
      await c.call(`inspect container ${id}`, (signal) => c.docker.getContainer(id).inspect({ abortSignal: signal }));
    } catch (e) {
      if (isEngineError(e, 'NotFound')) return;
      throw e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new EngineError('Timeout', `remove container ${id}: still present after ${c.requestTimeoutMs} ms`);
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      const item = items[i];
      if (item === undefined) continue;
      out[i] = await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
