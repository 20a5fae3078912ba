/**
 * The restricted checks of the Pod Security Standards: hardening on top of baseline. Some
 * replace a baseline check (capabilities, seccomp, volume types); evaluate.ts says which.
 */
import { containersOf, containersPhrase, joinQuote, pluralize, sortedUnique, type PodView, type Violation } from './visit.js';

type Check = (pod: PodView, minor: number) => Violation | undefined;

/** Windows pods are exempt from the Linux-only restricted checks since 1.25. */
function windowsExempt(pod: PodView, minor: number): boolean {
  return minor >= 25 && pod.spec.os?.name === 'windows';
}

const ALLOWED_VOLUME_SOURCES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

export const restrictedVolumes: Check = (pod) => {
  const names: string[] = [];
  const types: string[] = [];
  const fields: string[] = [];
  (pod.spec.volumes ?? []).forEach((v, i) => {
    const sources = Object.keys(v).filter((k) => k !== 'name');
    const bad = sources.filter((s) => !ALLOWED_VOLUME_SOURCES.has(s));
    if (bad.length === 0) return;
    names.push(v.name);
    types.push(...bad);
    fields.push(...bad.map((s) => `${pod.specPath}.volumes[${i}].${s}`));
  });
  if (names.length === 0) return undefined;
  const list = sortedUnique(types);
  return {
    reason: 'restricted volume types',
    detail: `${pluralize('volume', 'volumes', names.length)} ${joinQuote(names)} ${pluralize('uses', 'use', names.length)} restricted volume ${pluralize('type', 'types', list.length)} ${joinQuote(list)}`,
    fields,
  };
};

export const allowPrivilegeEscalation: Check = (pod, minor) => {
  if (minor < 8 || windowsExempt(pod, minor)) return undefined;
  const bad = containersOf(pod).filter(({ container }) => container.securityContext?.allowPrivilegeEscalation !== false);
  if (bad.length === 0) return undefined;
  return {
    reason: 'allowPrivilegeEscalation != false',
    detail: `${containersPhrase(bad.map((b) => b.container.name))} must set securityContext.allowPrivilegeEscalation=false`,
    fields: bad.map((b) => `${b.path}.securityContext.allowPrivilegeEscalation`),
  };
};

export const runAsNonRoot: Check = (pod) => {
  const podValue = pod.spec.securityContext?.runAsNonRoot;
  const explicit: string[] = [];
  const implicit: string[] = [];
  const fields: string[] = [];
  if (podValue === false) fields.push(`${pod.specPath}.securityContext.runAsNonRoot`);
  for (const { container, path } of containersOf(pod)) {
    const v = container.securityContext?.runAsNonRoot;
    if (v === false) {
      explicit.push(container.name);
      fields.push(`${path}.securityContext.runAsNonRoot`);
    } else if (v === undefined && podValue !== true) {
      implicit.push(container.name);
    }
  }
  const badSetters = [...(podValue === false ? ['pod'] : []), ...(explicit.length > 0 ? [containersPhrase(explicit)] : [])];
  if (badSetters.length > 0) {
    return { reason: 'runAsNonRoot != true', detail: `${badSetters.join(' and ')} must not set securityContext.runAsNonRoot=false`, fields };
  }
  if (implicit.length === 0) return undefined;
  return {
    reason: 'runAsNonRoot != true',
    detail: `pod or ${containersPhrase(implicit)} must set securityContext.runAsNonRoot=true`,
    fields: [`${pod.specPath}.securityContext.runAsNonRoot`],
  };
};

export const runAsUser: Check = (pod, minor) => {
  if (minor < 23) return undefined;
  const onPod = pod.spec.securityContext?.runAsUser === 0;
  const bad = containersOf(pod).filter(({ container }) => container.securityContext?.runAsUser === 0);
  if (!onPod && bad.length === 0) return undefined;
  const who = [...(onPod ? ['pod'] : []), ...(bad.length > 0 ? [containersPhrase(bad.map((b) => b.container.name))] : [])];
  return {
    reason: 'runAsUser=0',
    detail: `${who.join(' and ')} must not set runAsUser=0`,
    fields: [...(onPod ? [`${pod.specPath}.securityContext.runAsUser`] : []), ...bad.map((b) => `${b.path}.securityContext.runAsUser`)],
  };
};

const GOOD_SECCOMP = new Set(['RuntimeDefault', 'Localhost']);

export const seccompProfileRestricted: Check = (pod, minor) => {
  if (minor < 19 || windowsExempt(pod, minor)) return undefined;
  const podType = pod.spec.securityContext?.seccompProfile?.type;
  const podOk = podType !== undefined && GOOD_SECCOMP.has(podType);
  const explicit: string[] = [];
  const implicit: string[] = [];
  const badValues = new Set<string>();
  const fields: string[] = [];
  if (podType !== undefined && !podOk) {
    badValues.add(podType);
    fields.push(`${pod.specPath}.securityContext.seccompProfile.type`);
  }
  for (const { container, path } of containersOf(pod)) {
    const t = container.securityContext?.seccompProfile?.type;
    if (t === undefined) {
      if (!podOk) implicit.push(container.name);
    } else if (!GOOD_SECCOMP.has(t)) {
      explicit.push(container.name);
      badValues.add(t);
      fields.push(`${path}.securityContext.seccompProfile.type`);
    }
  }
  const setters = [...(podType !== undefined && !podOk ? ['pod'] : []), ...(explicit.length > 0 ? [containersPhrase(explicit)] : [])];
  if (setters.length > 0) {
    return { reason: 'seccompProfile', detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedUnique(badValues))}`, fields };
  }
  if (implicit.length === 0) return undefined;
  return {
    reason: 'seccompProfile',
    detail: `pod or ${containersPhrase(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    fields: [`${pod.specPath}.securityContext.seccompProfile.type`],
  };
};

export const capabilitiesRestricted: Check = (pod, minor) => {
  if (minor < 22 || windowsExempt(pod, minor)) return undefined;
  const noDrop: string[] = [];
  const adding: string[] = [];
  const caps: string[] = [];
  const fields: string[] = [];
  for (const { container, path } of containersOf(pod)) {
    const c = container.securityContext?.capabilities;
    if (!(c?.drop ?? []).includes('ALL')) {
      noDrop.push(container.name);
      fields.push(`${path}.securityContext.capabilities.drop`);
    }
    const bad = (c?.add ?? []).filter((x) => x !== 'NET_BIND_SERVICE');
    if (bad.length > 0) {
      adding.push(container.name);
      caps.push(...bad);
      fields.push(`${path}.securityContext.capabilities.add`);
    }
  }
  const details: string[] = [];
  if (noDrop.length > 0) details.push(`${containersPhrase(noDrop)} must set securityContext.capabilities.drop=["ALL"]`);
  if (adding.length > 0) details.push(`${containersPhrase(adding)} must not include ${joinQuote(sortedUnique(caps))} in securityContext.capabilities.add`);
  if (details.length === 0) return undefined;
  return { reason: 'unrestricted capabilities', detail: details.join('; '), fields };
};
