/** A pod's log, streamed from the device through the hub's log relay (`pods/NAME/log?follow=true`). */
import { useEffect, useRef, useState } from 'preact/hooks';
import { isAbort, readLines } from '../api.js';
import { href } from '../router.js';
import { useLive } from '../live.js';
import type { Live } from '../state.js';

const KEEP_LINES = 2000;

export function LogsPage({ live, namespace, pod, container }: { live: Live; namespace: string; pod: string; container?: string }) {
  useLive(live.pods);
  void live.pods.version.value;
  const p = live.pods.get(`${namespace}/${pod}`);
  const containers = (p?.spec?.containers ?? []).map((c) => c.name);
  const chosen = container ?? containers[0];
  const [lines, setLines] = useState<string[]>([]);
  const [state, setState] = useState('connecting…');
  const pre = useRef<HTMLPreElement>(null);

  useEffect(() => {
    if (!chosen) return;
    const abort = new AbortController();
    const buf: string[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    setLines([]);
    setState('streaming');
    const q = new URLSearchParams({ follow: 'true', tailLines: '500', container: chosen });
    readLines(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log?${q.toString()}`,
      (line) => {
        buf.push(line);
        if (buf.length > KEEP_LINES) buf.splice(0, buf.length - KEEP_LINES);
        timer ??= setTimeout(() => {
          timer = undefined;
          setLines([...buf]);
        }, 200);
      },
      abort.signal,
    ).then(
      () => setState('stream ended'),
      (e: unknown) => {
        if (!isAbort(e)) setState(e instanceof Error ? e.message : String(e));
      },
    );
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
    };
  }, [namespace, pod, chosen]);

  useEffect(() => {
    const el = pre.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines]);

  return (
    <section class="page logs" aria-labelledby="logs-title">
      <p class="crumbs">
        {p?.spec?.nodeName && <a href={href('node', p.spec.nodeName)}>{p.spec.nodeName}</a>} / {namespace}/{pod}
      </p>
      <h1 id="logs-title">Logs of {pod}</h1>
      {containers.length > 1 && (
        <nav aria-label="Containers" class="tabs">
          {containers.map((c) => (
            <a key={c} href={href('logs', namespace, pod, c)} aria-current={c === chosen ? 'page' : undefined}>
              {c}
            </a>
          ))}
        </nav>
      )}
      <p role="status" class="muted">
        {chosen ? `${chosen}: ${state}` : 'No such pod.'}
      </p>
      <pre ref={pre} class="log" tabIndex={0} aria-label={`Log of ${pod}`}>
        {lines.join('\n')}
      </pre>
    </section>
  );
}
