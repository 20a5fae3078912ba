/** `flotctl node revoke|allow-reenroll NAME`: a device's access to the hub. */
import type { Command } from 'commander';
import { FLEET_NAMESPACE, identityData, identityFromSecret, identitySecretName, type NodeIdentity } from '../../../shared/api/fleet-secrets.js';
import type { KubeObject } from '../../../shared/api/meta.js';
import { CliError } from '../errors.js';
import type { CliIO } from '../io.js';
import { sessionFor, type Session } from '../session.js';

async function updateIdentity(s: Session, node: string, change: (id: NodeIdentity) => NodeIdentity): Promise<void> {
  const client = await s.client();
  const path = `/api/v1/namespaces/${FLEET_NAMESPACE}/secrets/${identitySecretName(node)}`;
  let secret: KubeObject;
  try {
    secret = (await client.requestObject({ method: 'GET', path })) as KubeObject;
  } catch {
    throw new CliError(`node "${node}" is not enrolled (no identity ${FLEET_NAMESPACE}/${identitySecretName(node)})`);
  }
  const id = identityFromSecret(secret);
  if (!id) throw new CliError(`${FLEET_NAMESPACE}/${identitySecretName(node)} is not a node identity`);
  // The resourceVersion we read makes this a compare-and-swap: a concurrent connect gets a 409 retry, not a lost update.
  await client.request({ method: 'PUT', path, body: { ...secret, data: identityData(change(id)) } });
}

export function registerNode(program: Command, io: CliIO): void {
  const node = program.command('node').description("Manage enrolled devices' access to the hub");

  node
    .command('revoke')
    .description('Cut a device off at once: its connections are closed and it can no longer connect')
    .argument('<name>', 'node name')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const s = sessionFor(cmd, io);
      await updateIdentity(s, name, (id) => ({ ...id, revoked: true }));
      s.out(`node/${name} revoked\n`);
    });

  node
    .command('allow-reenroll')
    .description("Let the next enrollment of this name replace the device's keys (e.g. a reflashed device)")
    .argument('<name>', 'node name')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const s = sessionFor(cmd, io);
      await updateIdentity(s, name, (id) => ({ ...id, allowReenroll: true }));
      s.out(`node/${name} may enroll again with a new key\n`);
    });
}
