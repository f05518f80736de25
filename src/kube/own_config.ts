/**
 * The agent's credentials without client-node: the in-cluster ServiceAccount, or a kubeconfig
 * file whose user has a token, a token file or a client certificate. Importing client-node
 * costs the agent about 75 MiB of resident memory (half of it; `deno task bench` measures it),
 * so the agent loads it only for what this file does not do: exec plugins and auth providers,
 * which the agent's permissions (`--allow-run=nsenter`) would refuse to run anyway.
 *
 * The shape is the part of client-node's `KubeConfig` that {@link KubeHttp} uses, so either
 * one serves it.
 *
 * @module
 */

import { dirname, isAbsolute, join } from "node:path";
import type { RequestOptions as HttpsRequestOptions } from "node:https";

/** What {@link KubeHttp} needs to reach and authenticate to the API server. */
export interface HttpCredentials {
  getCurrentCluster(): { server: string; skipTLSVerify?: boolean } | null;
  /** TLS material and headers for one request (a token file may have been rotated). */
  applyToHTTPSOptions(options: HttpsRequestOptions): Promise<void>;
}

/** Credentials and the namespace of the current context (or the pod's). */
export interface OwnKubeConfig {
  credentials: HttpCredentials;
  namespace: string | undefined;
}

const SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

type Env = Record<string, string | undefined>;

/** Fields this loader understands; anything else in a user makes it step aside. */
const USER_FIELDS = new Set([
  "token",
  "tokenFile",
  "client-certificate",
  "client-certificate-data",
  "client-key",
  "client-key-data",
]);

function fromBase64(data: string): string {
  return new TextDecoder().decode(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
}

function credentials(
  server: string,
  skipTLSVerify: boolean,
  tls: { ca?: string; cert?: string; key?: string },
  token: () => Promise<string | undefined>,
): HttpCredentials {
  return {
    getCurrentCluster: () => ({ server, skipTLSVerify }),
    async applyToHTTPSOptions(options) {
      if (tls.ca) options.ca = tls.ca;
      if (tls.cert) options.cert = tls.cert;
      if (tls.key) options.key = tls.key;
      const bearer = await token();
      if (bearer) options.headers = { ...options.headers, Authorization: `Bearer ${bearer}` };
    },
  };
}

/** The pod's ServiceAccount; the token is read again on every request (it is rotated). */
async function inCluster(env: Env): Promise<OwnKubeConfig> {
  const host = env.KUBERNETES_SERVICE_HOST!;
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  const server = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const ca = await Deno.readTextFile(`${SERVICE_ACCOUNT}/ca.crt`);
  const namespace = (await Deno.readTextFile(`${SERVICE_ACCOUNT}/namespace`).catch(() => ""))
    .trim() || undefined;
  return {
    credentials: credentials(
      server,
      false,
      { ca },
      async () => (await Deno.readTextFile(`${SERVICE_ACCOUNT}/token`)).trim(),
    ),
    namespace,
  };
}

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

async function parseKubeconfig(text: string): Promise<Json> {
  try {
    return JSON.parse(text);
  } catch {
    // Loaded only for YAML files: JSON (what the tests write) needs no parser.
    const { parse } = await import("yaml");
    return parse(text);
  }
}

/** A kubeconfig file, or undefined when its current user needs more than this loader does. */
async function fromFile(path: string): Promise<OwnKubeConfig | undefined> {
  const config = await parseKubeconfig(await Deno.readTextFile(path));
  const named = (list: Json[] | undefined, name: string, key: string): Json | undefined =>
    list?.find((entry) => entry.name === name)?.[key];
  const context = named(config.contexts, config["current-context"], "context");
  if (!context) throw new Error(`Kubeconfig ${path} has no current context`);
  const cluster = named(config.clusters, context.cluster, "cluster");
  if (!cluster?.server) {
    throw new Error(`Kubeconfig ${path} has no cluster for its current context`);
  }
  const user: Json = named(config.users, context.user, "user") ?? {};
  if (Object.keys(user).some((key) => !USER_FIELDS.has(key))) return undefined;
  const file = (p: string) => Deno.readTextFile(isAbsolute(p) ? p : join(dirname(path), p));
  const pem = async (data?: string, file_?: string) =>
    data ? fromBase64(data) : file_ ? await file(file_) : undefined;
  const tls = {
    ca: await pem(cluster["certificate-authority-data"], cluster["certificate-authority"]),
    cert: await pem(user["client-certificate-data"], user["client-certificate"]),
    key: await pem(user["client-key-data"], user["client-key"]),
  };
  const token = user.token
    ? () => Promise.resolve(user.token as string)
    : user.tokenFile
    ? async () => (await file(user.tokenFile)).trim()
    : () => Promise.resolve(undefined);
  return {
    credentials: credentials(
      cluster.server,
      cluster["insecure-skip-tls-verify"] === true,
      tls,
      token,
    ),
    namespace: context.namespace,
  };
}

/**
 * `KUBECONFIG` if set, else the in-cluster ServiceAccount, as client-node's `loadFromDefault`
 * would choose; undefined when the kubeconfig's user needs client-node (exec, auth-provider).
 * Throws when neither exists.
 *
 * @example
 * ```ts
 * import { loadOwnKubeConfig } from "./own_config.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/config`, JSON.stringify({
 *   clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443" } }],
 *   users: [{ name: "u", user: { token: "secret" } }],
 *   contexts: [{ name: "x", context: { cluster: "c", user: "u", namespace: "ns" } }],
 *   "current-context": "x",
 * }));
 * const own = await loadOwnKubeConfig({ KUBECONFIG: `${dir}/config` });
 * const options: import("node:https").RequestOptions = {};
 * await own!.credentials.applyToHTTPSOptions(options);
 * const headers = options.headers as Record<string, string>;
 * if (headers.Authorization !== "Bearer secret" || own!.namespace !== "ns") {
 *   throw new Error("not loaded");
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadOwnKubeConfig(env: Env): Promise<OwnKubeConfig | undefined> {
  // Several files are merged by client-node's rules: leave that to it.
  if (env.KUBECONFIG) {
    return env.KUBECONFIG.includes(":") ? undefined : await fromFile(env.KUBECONFIG);
  }
  if (env.KUBERNETES_SERVICE_HOST) return await inCluster(env);
  throw new Error(
    "No Kubernetes credentials: KUBECONFIG is not set and this is not a pod " +
      "(KUBERNETES_SERVICE_HOST is not set)",
  );
}
