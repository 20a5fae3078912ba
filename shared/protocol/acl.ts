/**
 * Who may publish and subscribe where; the broker calls these for every client. Rules are
 * exact: no wildcard filter is ever granted to an agent or bootstrap client (a `+` or `#`
 * anywhere is refused), so no filter can reach another node's topics or `$SYS`.
 */
import type { AgentPublishChannel } from './topics.js';
import { AGENT_PUBLISH_CHANNELS, AGENT_SUBSCRIBE_CHANNELS, enrollTopic, isEnrollClientId, isNodeName, nodeTopic, parseTopic } from './topics.js';

function isAgentPublishChannel(c: string): c is AgentPublishChannel {
  return (AGENT_PUBLISH_CHANNELS as readonly string[]).includes(c);
}

/** An enrolled agent publishes only on its own status/hb/presence/events/pods/logs topics. */
export function agentMayPublish(node: string, topic: string): boolean {
  const parsed = parseTopic(topic);
  return parsed?.kind === 'node' && parsed.node === node && isAgentPublishChannel(parsed.channel);
}

/** An enrolled agent subscribes only to its own desired and cmd topics, spelled out exactly. */
export function agentMaySubscribe(node: string, topicFilter: string): boolean {
  if (!isNodeName(node)) return false;
  return AGENT_SUBSCRIBE_CHANNELS.some((c) => topicFilter === nodeTopic(node, c));
}

/** A bootstrap client publishes only its own enrollment request. */
export function bootstrapMayPublish(clientId: string, topic: string): boolean {
  return isEnrollClientId(clientId) && topic === enrollTopic(clientId, 'req');
}

/** A bootstrap client subscribes only to its own enrollment response. */
export function bootstrapMaySubscribe(clientId: string, topicFilter: string): boolean {
  return isEnrollClientId(clientId) && topicFilter === enrollTopic(clientId, 'res');
}
