/** Probes and lifecycle hooks of a container (core/v1, Kubernetes v1.32). */
import type { IntOrString } from './meta.js';

/** Validation requires a non-empty command. */
export interface ExecAction {
  command: string[];
}

export interface HTTPHeader {
  name: string;
  value?: string;
}

export type URIScheme = 'HTTP' | 'HTTPS';

export interface HTTPGetAction {
  /** Defaulted to `/`. */
  path?: string;
  /** A number or the name of a container port. */
  port: IntOrString;
  host?: string;
  /** Defaulted to HTTP. */
  scheme?: URIScheme;
  httpHeaders?: HTTPHeader[];
}

export interface TCPSocketAction {
  port: IntOrString;
  host?: string;
}

/** Validation refuses gRPC probes (Flotilla does not run them); the type is here for completeness. */
export interface GRPCAction {
  port: number;
  service?: string;
}

export interface SleepAction {
  seconds: number;
}

/** Exactly one handler is set: exec, httpGet or tcpSocket. */
export interface Probe {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  grpc?: GRPCAction;
  initialDelaySeconds?: number;
  /** Defaulted to 1. */
  timeoutSeconds?: number;
  /** Defaulted to 10. */
  periodSeconds?: number;
  /** Defaulted to 1. */
  successThreshold?: number;
  /** Defaulted to 3. */
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

/** Exactly one handler is set: exec, httpGet or sleep (validation refuses tcpSocket hooks). */
export interface LifecycleHandler {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  sleep?: SleepAction;
}

export interface Lifecycle {
  postStart?: LifecycleHandler;
  preStop?: LifecycleHandler;
}
