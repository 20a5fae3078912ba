/** The broker's per-principal topic rules: nodes only under their own topics, bootstrap clients only to enroll. */
import { agentMayPublish, agentMaySubscribe, bootstrapMayPublish, bootstrapMaySubscribe } from '../../shared/protocol/index.js';
import type { Principal, TopicPolicy } from '../broker/principal.js';

export const fleetTopicPolicy: TopicPolicy = {
  // Only the hub publishes retained messages (desired documents).
  mayPublish(p: Principal, topic: string, retain: boolean): boolean {
    if (retain) return false;
    return p.kind === 'node' ? agentMayPublish(p.node, topic) : bootstrapMayPublish(p.clientId, topic);
  },
  maySubscribe(p: Principal, filter: string): boolean {
    return p.kind === 'node' ? agentMaySubscribe(p.node, filter) : bootstrapMaySubscribe(p.clientId, filter);
  },
};
