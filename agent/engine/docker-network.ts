/** Networks (the pod network: inspect, create) and `docker import` (the locally built pause image). */
import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { isRecord } from '../../shared/util/guards.js';
import type { DockerClient } from './docker-client.js';
import { toImageInfo } from './docker-map.js';
import { LineSplitter, parseJsonLine, toBuffer } from './docker-stream.js';
import { EngineError, isEngineError } from './errors.js';
import type { ImageInfo, NetworkCreateSpec, ObservedNetwork } from './types.js';

/** Docker's bridge driver options. */
const BRIDGE_OPTIONS = {
  name: 'com.docker.network.bridge.name',
  masquerade: 'com.docker.network.bridge.enable_ip_masquerade',
} as const;

export function toObservedNetwork(info: Dockerode.NetworkInspectInfo): ObservedNetwork {
  const out: ObservedNetwork = {
    id: info.Id,
    name: info.Name,
    driver: info.Driver,
    subnets: (info.IPAM?.Config ?? []).flatMap((c) => (typeof c.Subnet === 'string' && c.Subnet !== '' ? [c.Subnet] : [])),
    labels: info.Labels ?? {},
  };
  const masquerade = info.Options?.[BRIDGE_OPTIONS.masquerade];
  if (masquerade !== undefined) out.masquerade = masquerade === 'true';
  return out;
}

export async function inspectNetwork(c: DockerClient, name: string): Promise<ObservedNetwork | undefined> {
  try {
    const info = await c.call(`inspect network ${name}`, () => c.docker.getNetwork(name).inspect());
    const observed = toObservedNetwork(info);
    // Docker matches a network by id prefix too: only the network of exactly that name counts.
    return observed.name === name ? observed : undefined;
  } catch (e) {
    if (isEngineError(e, 'NotFound')) return undefined;
    throw e;
  }
}

export async function createNetwork(c: DockerClient, spec: NetworkCreateSpec): Promise<string> {
  const what = `create network ${spec.name}`;
  try {
    const net = await c.call(what, (signal) =>
      c.docker.createNetwork({
        Name: spec.name,
        CheckDuplicate: true,
        Driver: 'bridge',
        IPAM: { Driver: 'default', Config: [{ Subnet: spec.subnet }] },
        Options: { [BRIDGE_OPTIONS.name]: spec.bridgeName, [BRIDGE_OPTIONS.masquerade]: String(spec.masquerade) },
        Labels: spec.labels,
        abortSignal: signal,
      }),
    );
    c.log.info('created network', { name: spec.name, id: net.id, subnet: spec.subnet });
    return net.id;
  } catch (e) {
    if (isEngineError(e) && e.statusCode === 409) throw new EngineError('NameConflict', e.message, { statusCode: 409, cause: e.cause });
    throw e;
  }
}

/** `POST /images/create?fromSrc=-`: the tar is the image's only layer. */
export async function importImage(c: DockerClient, ref: string, rootfsTar: Buffer): Promise<ImageInfo> {
  const what = `import image ${ref}`;
  const colon = ref.lastIndexOf(':');
  const [repo, tag] = colon > ref.lastIndexOf('/') ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, 'latest'];
  let failure: string | undefined;
  await c.call(what, async (signal) => {
    const stream = await c.docker.importImage(Readable.from([rootfsTar]), { repo, tag, abortSignal: signal });
    const lines = new LineSplitter();
    const handle = (line: string): void => {
      const msg = parseJsonLine(line);
      if (isRecord(msg) && typeof msg.error === 'string' && msg.error !== '') failure ??= msg.error;
    };
    for await (const chunk of stream) for (const line of lines.push(toBuffer(chunk))) handle(line);
    const last = lines.flush();
    if (last !== undefined) handle(last);
  });
  if (failure !== undefined) throw new EngineError('Failed', `${what}: ${failure}`);
  const info = await c.call(`inspect image ${ref}`, () => c.docker.getImage(ref).inspect());
  c.log.info('imported image', { image: ref, id: info.Id, bytes: rootfsTar.length });
  return toImageInfo(info);
}
