/**
 * `flotctl token create|list|delete`: bootstrap tokens for enrolling devices, made as kubeadm
 * makes them, and (`--role viewer`) read-only API tokens (api-token.ts).
 */
import type { Command } from 'commander';
import { bootstrapTokenSecret, FLEET_NAMESPACE, tokenInfo, tokenSecretName, TOKEN_SECRET_TYPE } from '../../../shared/api/fleet-secrets.js';
import { formatAge } from '../../../shared/api/print-format.js';
import type { Table } from '../../../shared/api/table.js';
import { renderTable } from '../table-render.js';
import { rfc3339 } from '../../../shared/util/clock.js';
import { parseDuration } from '../../../shared/util/duration.js';
import { formatJoinString, generateBootstrapToken, isBootstrapToken, isNodeName } from '../../../shared/protocol/index.js';
import { HUB_INFO_NAME, hubInfoFrom } from '../../../shared/api/hub-info.js';
import { isRecord } from '../../../shared/util/guards.js';
import type { KubeObject } from '../../../shared/api/meta.js';
import { CliError } from '../errors.js';
import type { CliIO } from '../io.js';
import { sessionFor } from '../session.js';
import { apiTokenId, apiTokenRows, createApiToken, deleteApiToken } from './api-token.js';
import { API_TOKEN_SECRET_TYPE, isApiTokenRole } from '../../../shared/api/api-tokens.js';
import { ServerError } from '../errors.js';

const SECRETS = `/api/v1/namespaces/${FLEET_NAMESPACE}/secrets`;

function positiveInt(flag: string, v: string): number {
  if (!/^[1-9]\d*$/.test(v)) throw new CliError(`invalid ${flag} "${v}": must be a positive whole number`);
  return Number(v);
}

export function registerToken(program: Command, io: CliIO): void {
  const token = program.command('token').description('Manage bootstrap tokens that enroll new devices, and read-only API tokens');

  token
    .command('create')
    .description("Create a bootstrap token and print its join string (hub address, token, pins of the hub's CA and key; the only time the secret is shown)")
    .option('--ttl <duration>', 'how long the token may be used; 0 means it never expires', '24h')
    .option('--max-uses <n>', 'how many devices may enroll with it')
    .option('--description <text>', 'a note shown by `token list`')
    .option('--node <name>', 'only this node name may enroll with it (needed to claim a Node created in advance)')
    .option('--node-prefix <prefix>', 'only node names starting with this may enroll with it')
    .option('--hub <url>', "the hub address devices dial (default: the hub's advertised mqtts:// URL)")
    .option('--role <role>', 'make an API token with this role instead (viewer: reads everything but Secrets, writes nothing)')
    .action(async (opts: { ttl: string; maxUses?: string; description?: string; node?: string; nodePrefix?: string; hub?: string; role?: string }, cmd: Command) => {
      const s = sessionFor(cmd, io);
      if (opts.role !== undefined) {
        if (!isApiTokenRole(opts.role)) throw new CliError(`invalid --role "${opts.role}": the only role is viewer (the admin token is in the hub's data dir)`);
        if (opts.maxUses !== undefined || cmd.getOptionValueSource('ttl') === 'cli') throw new CliError('--ttl and --max-uses apply to bootstrap tokens only; API tokens last until deleted');
        if (opts.node !== undefined || opts.nodePrefix !== undefined || opts.hub !== undefined) throw new CliError('--node, --node-prefix and --hub apply to bootstrap tokens only');
        s.out(`${await createApiToken(await s.client(), opts.role, opts.description)}\n`);
        return;
      }
      let ttlMs: number;
      try {
        ttlMs = parseDuration('--ttl', opts.ttl);
      } catch (e: unknown) {
        throw new CliError(e instanceof Error ? e.message : String(e));
      }
      const maxUses = opts.maxUses === undefined ? undefined : positiveInt('--max-uses', opts.maxUses);
      if (opts.node !== undefined && !isNodeName(opts.node)) throw new CliError(`invalid --node "${opts.node}": not a valid node name`);
      if (opts.nodePrefix !== undefined && !/^[a-z0-9][a-z0-9.-]{0,62}$/.test(opts.nodePrefix)) throw new CliError(`invalid --node-prefix "${opts.nodePrefix}": must start a valid node name`);
      if (opts.node !== undefined && opts.nodePrefix !== undefined) throw new CliError('give --node or --node-prefix, not both');
      const client = await s.client();
      const info = await client.requestObject({ method: 'GET', path: `/api/v1/namespaces/${FLEET_NAMESPACE}/configmaps/${HUB_INFO_NAME}` }).then(hubInfoFrom);
      const hubUrl = opts.hub ?? info?.mqttsUrl ?? info?.mqttUrl;
      if (!info || hubUrl === undefined) throw new CliError(`the hub publishes no usable ${FLEET_NAMESPACE}/${HUB_INFO_NAME}; is it older than this flotctl?`);
      if (!/^mqtts?:\/\/[^/@?#]+:\d+\/?$/.test(hubUrl)) throw new CliError(`invalid --hub "${hubUrl}": expected mqtts://HOST:PORT`);
      const value = generateBootstrapToken();
      const body = bootstrapTokenSecret(value, {
        ...(ttlMs > 0 ? { expiration: rfc3339(new Date(s.now().getTime() + ttlMs)) } : {}),
        ...(maxUses !== undefined ? { maxUses } : {}),
        ...(opts.description ? { description: opts.description } : {}),
        ...(opts.node !== undefined ? { nodeName: opts.node } : {}),
        ...(opts.nodePrefix !== undefined ? { nodePrefix: opts.nodePrefix } : {}),
      });
      await client.request({ method: 'POST', path: SECRETS, body });
      const tls = hubUrl.startsWith('mqtts:');
      s.out(`${formatJoinString({ hubUrl: hubUrl.replace(/\/$/, ''), token: value, keyPin: info.keyPin, ...(tls ? { caPin: info.caPin } : {}) })}\n`);
    });

  token
    .command('list')
    .description('List bootstrap and API tokens (ids, expiry, uses and role; never their secrets)')
    .action(async (_opts: unknown, cmd: Command) => {
      const s = sessionFor(cmd, io);
      const client = await s.client();
      const ofType = async (type: string): Promise<KubeObject[]> => {
        const list = await client.requestObject({ method: 'GET', path: SECRETS, query: { fieldSelector: `type=${type}` } });
        return (Array.isArray(list['items']) ? list['items'] : []).filter(isRecord) as KubeObject[];
      };
      const items = await ofType(TOKEN_SECRET_TYPE);
      const now = s.now();
      const rows = items.flatMap((secret) => {
        const info = tokenInfo(secret);
        if (!info) return [];
        const expired = info.expiration !== undefined && Date.parse(info.expiration) <= now.getTime();
        const ttl = info.expiration === undefined ? '<forever>' : expired ? '<expired>' : formatAge(rfc3339(now), new Date(Date.parse(info.expiration)));
        const uses = info.maxUses === undefined ? String(info.uses) : `${info.uses}/${info.maxUses}`;
        return [{ cells: [info.id, ttl, info.expiration ?? '<never>', uses, info.description ?? '<none>', 'bootstrap'] }];
      });
      rows.push(...apiTokenRows(await ofType(API_TOKEN_SECRET_TYPE)));
      if (rows.length === 0) {
        s.err('No tokens found.\n');
        return;
      }
      const columns = ['TOKEN ID', 'TTL', 'EXPIRES', 'USES', 'DESCRIPTION', 'ROLE'].map((name) => ({ name, type: 'string' as const, format: '', description: '', priority: 0 }));
      const table: Table = { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '' }, columnDefinitions: columns, rows };
      s.out(renderTable(table, { wide: false }));
    });

  token
    .command('delete')
    .description('Delete bootstrap or API tokens by id (or full token); devices already enrolled are not affected')
    .argument('<token...>', 'token ids (abcdef) or tokens (abcdef.0123456789abcdef)')
    .action(async (ids: string[], _opts: unknown, cmd: Command) => {
      const s = sessionFor(cmd, io);
      const client = await s.client();
      for (const raw of ids) {
        const id = isBootstrapToken(raw) ? raw.slice(0, 6) : (apiTokenId(raw) ?? raw);
        if (!/^[a-z0-9]{6}$/.test(id)) throw new CliError(`"${raw}" is not a token id (6 characters of [a-z0-9]) or a token`);
        if (!isBootstrapToken(raw) && (await deleteApiToken(client, id))) {
          s.out(`API token "${id}" deleted\n`);
          continue;
        }
        try {
          await client.request({ method: 'DELETE', path: `${SECRETS}/${tokenSecretName(id)}` });
        } catch (e: unknown) {
          if (e instanceof ServerError && e.code === 404) throw new CliError(`no bootstrap or API token with id "${id}"`);
          throw e;
        }
        s.out(`bootstrap token "${id}" deleted\n`);
      }
    });
}
