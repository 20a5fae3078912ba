/**
 * The Raspberry Pi kernel command line (cmdline.txt, one line): its kernel leaves the memory
 * cgroup off unless `cgroup_enable=memory cgroup_memory=1` is given, and without it Docker cannot
 * enforce memory limits (the agent then only reports that they are not enforced).
 */
export const MEMORY_CGROUP_PARAMS: readonly string[] = ['cgroup_enable=memory', 'cgroup_memory=1'];

/** Adds each missing parameter once, keeps everything else as it was; idempotent. */
export function fixCmdline(text: string): string {
  const line = text.replace(/\r?\n/g, ' ').trim();
  const words = line === '' ? [] : line.split(/\s+/);
  for (const p of MEMORY_CGROUP_PARAMS) if (!words.includes(p)) words.push(p);
  return `${words.join(' ')}\n`;
}
