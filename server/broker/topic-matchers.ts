/**
 * MQTT topic matchers from qlobber (aedes' topic matcher, a dependency of aedes-persistence):
 * plain CommonJS without types, loaded through require and narrowed to the little used here.
 */
import { createRequire } from 'node:module';
import { isRecord } from '../../shared/util/guards.js';
import type { MqttMatchedSubscription } from './session-persistence.js';

interface QlobberOptions {
  separator: string;
  wildcard_one: string;
  wildcard_some: string;
}

const QLOBBER_OPTIONS: QlobberOptions = { separator: '/', wildcard_one: '+', wildcard_some: '#' };

export interface TrieValue {
  clientId: string;
  topic: string;
  qos?: number;
  rh?: number;
  rap?: boolean;
  nl?: boolean;
}

/** qlobber's QlobberSub: filter → (clientId → subscription), deduplicated per client. */
export interface SubscriptionTrie {
  add(topic: string, value: TrieValue): unknown;
  remove(topic: string, value: TrieValue): unknown;
  match(topic: string): MqttMatchedSubscription[];
  subscriptionsCount: number;
}

/** qlobber's QlobberTrue: does any added filter match a topic. */
export interface FilterSet {
  add(filter: string): unknown;
  test(topic: string): boolean;
}

export interface Qlobbers {
  newSubscriptionTrie(): SubscriptionTrie;
  newFilterSet(): FilterSet;
}

type Constructor<T> = new (options: QlobberOptions) => T;

function isConstructor<T>(v: unknown): v is Constructor<T> {
  return typeof v === 'function';
}

export function loadQlobber(): Qlobbers {
  const require = createRequire(import.meta.url);
  const sub: unknown = require('qlobber/aedes/qlobber-sub');
  const main: unknown = require('qlobber');
  const filterSet = isRecord(main) ? main.QlobberTrue : undefined;
  if (!isConstructor<SubscriptionTrie>(sub) || !isConstructor<FilterSet>(filterSet)) {
    throw new Error('qlobber does not export QlobberSub / QlobberTrue');
  }
  return { newSubscriptionTrie: () => new sub(QLOBBER_OPTIONS), newFilterSet: () => new filterSet(QLOBBER_OPTIONS) };
}
