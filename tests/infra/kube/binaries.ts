/**
 * Finds the control-plane binaries that build.sh caches, or builds them.
 *
 * The cache directory name is derived here exactly as build.sh derives it (versions read from the
 * script itself, plus the first 12 hex digits of its SHA-256), so the two can never disagree.
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BUILD_SCRIPT = new URL("./build.sh", import.meta.url);

/** Paths of the control-plane binaries; the Kubernetes ones are symlinks to one multi-call `kube`. */
export interface KubeBinaries {
  binDir: string;
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  /** Kubernetes version the binaries report, e.g. `v1.36.3`. */
  kubernetesVersion: string;
  etcdVersion: string;
}

/** Versions and cache location that build.sh will use. */
export interface BuildPlan {
  kubernetesVersion: string;
  etcdVersion: string;
  binDir: string;
}

function pinned(script: string, name: string): string {
  const match = script.match(new RegExp(`^readonly ${name}="(v[0-9.]+)"`, "m"));
  if (!match) throw new Error(`build.sh does not pin ${name}`);
  return match[1];
}

function cacheRoot(): string {
  const xdg = Deno.env.get("XDG_CACHE_HOME");
  if (xdg) return join(xdg, "local-lvm");
  const home = Deno.env.get("HOME");
  if (!home) throw new Error("Neither XDG_CACHE_HOME nor HOME is set: cannot find the kube cache");
  return join(home, ".cache", "local-lvm");
}

/**
 * Reads build.sh and returns the versions and bin directory it would build.
 *
 * @example
 * ```ts ignore
 * const plan = await buildPlan();
 * console.log(plan.kubernetesVersion, plan.binDir);
 * ```
 */
export async function buildPlan(): Promise<BuildPlan> {
  const bytes = await Deno.readFile(BUILD_SCRIPT);
  const script = new TextDecoder().decode(bytes);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hash = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("").slice(0, 12);
  const kubernetesVersion = pinned(script, "K8S_VERSION");
  const etcdVersion = pinned(script, "ETCD_VERSION");
  const name = `kube-${kubernetesVersion}-etcd-${etcdVersion}-${hash}`;
  return { kubernetesVersion, etcdVersion, binDir: join(cacheRoot(), name, "bin") };
}

function binaries(plan: BuildPlan): KubeBinaries {
  const bin = (name: string) => join(plan.binDir, name);
  return {
    binDir: plan.binDir,
    etcd: bin("etcd"),
    kubeApiserver: bin("kube-apiserver"),
    kubeControllerManager: bin("kube-controller-manager"),
    kubeScheduler: bin("kube-scheduler"),
    kubectl: bin("kubectl"),
    kubernetesVersion: plan.kubernetesVersion,
    etcdVersion: plan.etcdVersion,
  };
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    const info = await Deno.stat(path);
    return info.isFile && ((info.mode ?? 0) & 0o111) !== 0;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Returns the cached binaries, or `undefined` when build.sh has not built them yet.
 *
 * @example
 * ```ts ignore
 * const bins = await findKubeBinaries();
 * Deno.test({ name: "cluster", ignore: !bins, fn: () => {} });
 * ```
 */
export async function findKubeBinaries(): Promise<KubeBinaries | undefined> {
  const found = binaries(await buildPlan());
  const all = [found.etcd, found.kubeApiserver, found.kubeControllerManager, found.kubeScheduler];
  for (const path of [...all, found.kubectl]) {
    if (!await isExecutable(path)) return undefined;
  }
  return found;
}

/**
 * Returns the cached binaries, running build.sh first if needed (10–20 min cold on 2 cores; a cache
 * hit returns at once). build.sh downloads only through the Go module proxy; its progress goes to
 * stderr.
 *
 * @example
 * ```ts ignore
 * const bins = await ensureKubeBinaries();
 * console.log(bins.kubeApiserver);
 * ```
 */
export async function ensureKubeBinaries(): Promise<KubeBinaries> {
  const cached = await findKubeBinaries();
  if (cached) return cached;
  const { code } = await new Deno.Command("bash", {
    args: [fileURLToPath(BUILD_SCRIPT)],
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  }).output();
  if (code !== 0) throw new Error(`tests/infra/kube/build.sh failed with exit code ${code}`);
  const built = await findKubeBinaries();
  if (!built) throw new Error("tests/infra/kube/build.sh succeeded but the binaries are missing");
  return built;
}
