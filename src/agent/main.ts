/**
 * `deno task start`: the per-node agent (the container's entrypoint).
 *
 * Reads its settings from the environment (see settings.ts), the config from the mounted
 * ConfigMap file, and runs until SIGTERM or SIGINT, when it finishes or journals the
 * current step and exits.
 *
 * @module
 */

import { ConfigError } from "../config/types.ts";
import { ConfigWatcher } from "../config/watcher.ts";
import type { KubeClients } from "../kube/client.ts";
import { KubeHttp } from "../kube/http.ts";
import { loadOwnKubeConfig } from "../kube/own_config.ts";
import { type RunningAgent, startAgent } from "./agent.ts";
import { serveProbes } from "./health.ts";
import { executorFor } from "./host_factory.ts";
import { loggerFor, setUpLogging } from "./logging.ts";
import { settingsFromEnv } from "./settings.ts";

async function main(): Promise<number> {
  let settings;
  try {
    settings = settingsFromEnv(Deno.env.toObject());
  } catch (error) {
    console.error(`local-lvm agent: ${(error as Error).message}`);
    return 2;
  }
  const log = await setUpLogging(settings.logLevel, settings.nodeName);
  let config: ConfigWatcher;
  // The watcher starts before the agent exists; changes reach the agent once it does.
  const late: { agent?: RunningAgent } = {};
  try {
    config = await ConfigWatcher.start({
      path: settings.configPath,
      logger: loggerFor("config"),
      onChange: () => late.agent?.configChanged(),
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log.error("Invalid config: {errors}", { path: error.path, errors: error.errors });
    console.error(error.message);
    return 1;
  }

  const clients = await kubeClients();
  const running = startAgent({
    nodeName: settings.nodeName,
    stateDir: settings.stateDir,
    workers: settings.workers,
    exec: executorFor(settings.host),
    clients,
    config,
    log,
    namespace: settings.namespace,
    election: settings.election,
  });
  const stopServing = new AbortController();
  const server = settings.httpPort > 0
    ? serveProbes(
      settings.httpHost,
      settings.httpPort,
      running,
      stopServing.signal,
      (path) => path === "/metrics" ? running.metrics.response() : undefined,
    )
    : undefined;

  late.agent = running;
  const stopped = Promise.withResolvers<string>();
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => stopped.resolve(signal));
  }
  running.ready.catch((error) => stopped.reject(error));
  try {
    const signal = await stopped.promise;
    log.info("Received {signal}", { signal });
  } catch (error) {
    log.error("Agent failed: {error}", { error: (error as Error).message });
    return 1;
  } finally {
    await running.stop();
    await config.stop();
    stopServing.abort();
    await server?.finished;
    await clients.close();
  }
  return 0;
}

/**
 * The API client from the agent's own credentials loader; client-node (75 MiB more resident
 * memory) only for a kubeconfig that needs it.
 */
async function kubeClients(): Promise<Pick<KubeClients, "http" | "namespace" | "close">> {
  const own = await loadOwnKubeConfig(Deno.env.toObject());
  if (own) {
    const http = new KubeHttp(own.credentials);
    return { http, namespace: own.namespace, close: () => http.close() };
  }
  const { createKubeClients, loadKubeConfig } = await import("../kube/client.ts");
  return createKubeClients(loadKubeConfig({ kind: "auto" }));
}

if (import.meta.main) Deno.exit(await main());
