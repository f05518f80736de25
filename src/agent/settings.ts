/**
 * The agent's settings, read from its environment (the DaemonSet sets them). A pure
 * function of the environment, so it is tested without a process.
 *
 * @module
 */

import { type ElectionSettings, electionSettingsFromEnv } from "./election_settings.ts";

/** Where node commands go. */
export type HostSetting =
  /** Into the host's namespaces through `nsenter -t 1` (the DaemonSet pod). */
  | { kind: "nsenter" }
  /** Straight to this machine's binaries (an agent run on the node itself). */
  | { kind: "local" }
  /** A simulated node whose state lives in a file (tests and `deno task dev`). */
  | { kind: "sim"; path: string }
  /** A test guest's command channel on a loopback port. */
  | { kind: "remote"; host: string; port: number };

/** Everything the agent reads from its environment. */
export interface AgentSettings {
  nodeName: string;
  configPath: string;
  stateDir: string;
  host: HostSetting;
  /** Port of `/healthz`, `/readyz` and `/metrics`; 0 to serve none. */
  httpPort: number;
  /** Address to listen on. */
  httpHost: string;
  /** Parallel sagas. */
  workers: number;
  logLevel: "debug" | "info" | "warning" | "error";
  /** The agent's own namespace (its CSIStorageCapacity objects go there), if POD_NAMESPACE
   * says; otherwise the kubeconfig's or the pod's. */
  namespace?: string;
  /** Lease timing and the deleted-node grace period (election_settings.ts). */
  election: ElectionSettings;
}

export const DEFAULTS = {
  configPath: "/etc/local-lvm/config.json",
  stateDir: "/var/lib/local-lvm",
  httpPort: 9808,
  httpHost: "0.0.0.0",
  workers: 4,
} as const;

function parseHost(value: string | undefined): HostSetting {
  if (!value || value === "nsenter") return { kind: "nsenter" };
  if (value === "local") return { kind: "local" };
  if (value.startsWith("sim:") && value.length > 4) return { kind: "sim", path: value.slice(4) };
  const remote = /^remote:([^:]+):(\d+)$/.exec(value);
  if (remote) return { kind: "remote", host: remote[1], port: Number(remote[2]) };
  throw new Error(
    `LOCAL_LVM_HOST=${value} is not one of nsenter, local, sim:<state file>, remote:<host>:<port>`,
  );
}

function parseInt(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new Error(`${name}=${value} is not a whole number >= ${min}`);
  }
  return n;
}

/** Reads the settings; throws with the variable's name on a bad value. */
export function settingsFromEnv(env: Record<string, string | undefined>): AgentSettings {
  const nodeName = env.NODE_NAME?.trim();
  if (!nodeName) throw new Error("NODE_NAME is not set (the DaemonSet sets it from spec.nodeName)");
  const level = env.LOCAL_LVM_LOG_LEVEL ?? "info";
  if (!["debug", "info", "warning", "error"].includes(level)) {
    throw new Error(`LOCAL_LVM_LOG_LEVEL=${level} is not one of debug, info, warning, error`);
  }
  return {
    nodeName,
    configPath: env.LOCAL_LVM_CONFIG || DEFAULTS.configPath,
    stateDir: env.LOCAL_LVM_STATE_DIR || DEFAULTS.stateDir,
    host: parseHost(env.LOCAL_LVM_HOST),
    httpPort: parseInt("LOCAL_LVM_HTTP_PORT", env.LOCAL_LVM_HTTP_PORT, DEFAULTS.httpPort, 0),
    httpHost: env.LOCAL_LVM_HTTP_HOST || DEFAULTS.httpHost,
    workers: parseInt("LOCAL_LVM_WORKERS", env.LOCAL_LVM_WORKERS, DEFAULTS.workers, 1),
    logLevel: level as AgentSettings["logLevel"],
    namespace: env.POD_NAMESPACE?.trim() || undefined,
    election: electionSettingsFromEnv(env),
  };
}
