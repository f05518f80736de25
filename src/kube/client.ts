/**
 * Building the API clients: from in-cluster config, a kubeconfig file (`KUBECONFIG`), or an
 * explicit server + bearer token + CA (what the tests use). The result, {@link KubeClients}, is
 * passed to whatever needs the API; nothing here is global.
 *
 * @module
 */

import {
  CoordinationV1Api,
  CoreV1Api,
  createConfiguration,
  EventsV1Api,
  KubeConfig,
  type RequestContext,
  type SecurityAuthentication,
  ServerConfiguration,
  StorageV1Api,
} from "@kubernetes/client-node";
import { KubeHttp, type KubeHttpOptions } from "./http.ts";

/** Where the credentials come from. */
export type KubeConfigSource =
  /** `KUBECONFIG` if set, else the in-cluster ServiceAccount; an error if neither exists. */
  | { kind: "auto" }
  /** The pod's ServiceAccount token, CA and namespace (`KUBERNETES_SERVICE_HOST`/`_PORT`). */
  | { kind: "inCluster" }
  /** A kubeconfig file, optionally with a context other than its current one. */
  | { kind: "file"; path: string; context?: string }
  /** An API server URL with a bearer token and the CA that signed the server's certificate. */
  | { kind: "token"; server: string; token: string; caFile?: string; namespace?: string };

/**
 * Loads a client-node `KubeConfig` from `source`.
 *
 * @example
 * ```ts
 * import { loadKubeConfig } from "./client.ts";
 * const config = loadKubeConfig({
 *   kind: "token",
 *   server: "https://127.0.0.1:6443",
 *   token: "secret",
 * });
 * if (config.getCurrentCluster()?.server !== "https://127.0.0.1:6443") throw new Error();
 * ```
 */
export function loadKubeConfig(source: KubeConfigSource): KubeConfig {
  const config = new KubeConfig();
  switch (source.kind) {
    case "auto": {
      const path = Deno.env.get("KUBECONFIG");
      if (path) return loadKubeConfig({ kind: "file", path });
      if (Deno.env.get("KUBERNETES_SERVICE_HOST")) return loadKubeConfig({ kind: "inCluster" });
      throw new Error(
        "No Kubernetes credentials: KUBECONFIG is not set and this is not a pod " +
          "(KUBERNETES_SERVICE_HOST is not set)",
      );
    }
    case "inCluster":
      config.loadFromCluster();
      return config;
    case "file":
      config.loadFromFile(source.path);
      if (source.context) config.setCurrentContext(source.context);
      if (!config.getCurrentCluster()) {
        throw new Error(`Kubeconfig ${source.path} has no cluster for its current context`);
      }
      return config;
    case "token":
      config.loadFromOptions({
        clusters: [{
          name: "cluster",
          server: source.server,
          caFile: source.caFile,
          skipTLSVerify: false,
        }],
        users: [{ name: "user", token: source.token }],
        contexts: [{
          name: "context",
          cluster: "cluster",
          user: "user",
          namespace: source.namespace,
        }],
        currentContext: "context",
      });
      return config;
  }
}

/** The API clients, all sharing one connection pool. */
export interface KubeClients {
  readonly config: KubeConfig;
  /** Raw JSON requests and watches: what `src/kube` itself uses. */
  readonly http: KubeHttp;
  readonly core: CoreV1Api;
  readonly storage: StorageV1Api;
  readonly coordination: CoordinationV1Api;
  readonly events: EventsV1Api;
  /** The namespace of the current context (the pod's own namespace in a cluster), if any. */
  readonly namespace: string | undefined;
  /** Closes the connection pool. Stop reflectors first. */
  close(): Promise<void>;
}

/**
 * Builds every client from one `KubeConfig`.
 *
 * @example
 * ```ts
 * import { createKubeClients, loadKubeConfig } from "./client.ts";
 * const config = loadKubeConfig({ kind: "token", server: "https://127.0.0.1:1", token: "t" });
 * const clients = createKubeClients(config);
 * await clients.close();
 * ```
 */
export function createKubeClients(config: KubeConfig, options: KubeHttpOptions = {}): KubeClients {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error("The kubeconfig has no current cluster");
  const http = new KubeHttp(config, options);
  const auth: SecurityAuthentication = {
    getName: () => "local-lvm shared kubeconfig authentication",
    applySecurityAuthentication: (context: RequestContext) => http.authenticate(context),
  };
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: auth },
  });
  const context = config.getContextObject(config.getCurrentContext());
  return {
    config,
    http,
    core: new CoreV1Api(configuration),
    storage: new StorageV1Api(configuration),
    coordination: new CoordinationV1Api(configuration),
    events: new EventsV1Api(configuration),
    namespace: context?.namespace,
    close: () => http.close(),
  };
}
