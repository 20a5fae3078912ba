/** The runner the agent uses: picks exec, from-the-agent or in-pod per probe (see runner.ts). */
import type { ContainerEngine } from '../engine/types.js';
import { createExecRunner } from './exec-runner.js';
import { createInPodRunner } from './in-pod.js';
import { createHttpRunner, createTcpRunner } from './net-runners.js';
import { probesFromAgent, type ProbeRunner } from './runner.js';

/** Exec through the engine; http/tcp from the agent when it can reach the pod, else inside it. */
export function createProbeRunner(deps: { engine: ContainerEngine }): ProbeRunner {
  const exec = createExecRunner(deps.engine);
  const http = createHttpRunner();
  const tcp = createTcpRunner();
  const inPod = createInPodRunner(deps.engine);
  return {
    run(probe, target, signal) {
      switch (probe.handler.type) {
        case 'exec':
          return exec.run(probe, target, signal);
        case 'httpGet':
          return probesFromAgent(target) ? http.run(probe, target, signal) : inPod.run(probe, target, signal);
        case 'tcpSocket':
          return probesFromAgent(target) ? tcp.run(probe, target, signal) : inPod.run(probe, target, signal);
      }
    },
  };
}
