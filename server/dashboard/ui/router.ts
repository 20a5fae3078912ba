/** Hash routes (#/fleet, #/node/NAME, #/rollouts, #/events, #/logs/NS/POD): no server routes needed. */
import { signal } from '@preact/signals';

export type Route =
  | { page: 'fleet' }
  | { page: 'node'; name: string }
  | { page: 'rollouts' }
  | { page: 'events' }
  | { page: 'logs'; namespace: string; pod: string; container?: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  switch (parts[0]) {
    case 'node':
      return parts[1] ? { page: 'node', name: parts[1] } : { page: 'fleet' };
    case 'rollouts':
      return { page: 'rollouts' };
    case 'events':
      return { page: 'events' };
    case 'logs':
      return parts[1] && parts[2] ? { page: 'logs', namespace: parts[1], pod: parts[2], ...(parts[3] ? { container: parts[3] } : {}) } : { page: 'fleet' };
    default:
      return { page: 'fleet' };
  }
}

export function href(...parts: string[]): string {
  return '#/' + parts.map(encodeURIComponent).join('/');
}

export const route = signal<Route>(parseRoute(location.hash));

export function startRouter(): void {
  window.addEventListener('hashchange', () => (route.value = parseRoute(location.hash)));
}
