/**
 * What the ops commands share with the agent: the same environment settings (`NODE_NAME`,
 * `LOCAL_LVM_HOST`, `LOCAL_LVM_CONFIG`, `LOCAL_LVM_STATE_DIR`, `KUBECONFIG`), so that run
 * beside the agent (in its pod, or on the node with the same variables) they see the node,
 * the config and the journal the agent sees.
 *
 * @module
 */

import { executorFor } from "../agent/host_factory.ts";
import { type AgentSettings, settingsFromEnv } from "../agent/settings.ts";
import type { Executor } from "../host/executor.ts";
import { createKubeClients, type KubeClients, loadKubeConfig } from "../kube/client.ts";

/** The agent's settings, its node executor and its journal directory. */
export interface OpsEnv {
  settings: AgentSettings;
  exec: Executor;
  journalDir: string;
}

/** Reads the settings as the agent does; throws naming the variable on a bad value. */
export function opsEnv(env: Record<string, string | undefined>): OpsEnv {
  const settings = settingsFromEnv(env);
  return {
    settings,
    exec: executorFor(settings.host),
    journalDir: `${settings.stateDir}/journal`,
  };
}

/** API clients from `KUBECONFIG` or the pod's ServiceAccount, as the agent builds them. */
export function opsKubeClients(): KubeClients {
  return createKubeClients(loadKubeConfig({ kind: "auto" }), { userAgent: "local-lvm-ops" });
}
