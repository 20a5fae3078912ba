/** The API-token half of `flotctl token`: read-only viewer tokens for the dashboard and scripts. */
import { apiTokenInfo, apiTokenSecret, apiTokenSecretName, generateApiToken, parseApiToken, type ApiTokenRole } from '../../../shared/api/api-tokens.js';
import { FLEET_NAMESPACE } from '../../../shared/api/fleet-secrets.js';
import type { KubeObject } from '../../../shared/api/meta.js';
import type { ApiClient } from '../client.js';
import { ServerError } from '../errors.js';

const SECRETS = `/api/v1/namespaces/${FLEET_NAMESPACE}/secrets`;

/** Creates an API token with `role` and returns it (the only time its secret is seen). */
export async function createApiToken(client: ApiClient, role: ApiTokenRole, description?: string): Promise<string> {
  const value = generateApiToken();
  await client.request({ method: 'POST', path: SECRETS, body: apiTokenSecret(value, role, description) });
  return value;
}

/** `token list` rows (TOKEN ID, TTL, EXPIRES, USES, DESCRIPTION, ROLE) for the API tokens among `secrets`. */
export function apiTokenRows(secrets: KubeObject[]): { cells: string[] }[] {
  return secrets.flatMap((s) => {
    const info = apiTokenInfo(s);
    return info ? [{ cells: [info.id, '<forever>', '<never>', '-', info.description ?? '<none>', info.role] }] : [];
  });
}

/** The token id in `raw` when it is a whole API token. */
export function apiTokenId(raw: string): string | undefined {
  return parseApiToken(raw)?.id;
}

/** Deletes the API token `id`; false when there is none. */
export async function deleteApiToken(client: ApiClient, id: string): Promise<boolean> {
  try {
    await client.request({ method: 'DELETE', path: `${SECRETS}/${apiTokenSecretName(id)}` });
    return true;
  } catch (e: unknown) {
    if (e instanceof ServerError && e.code === 404) return false;
    throw e;
  }
}
