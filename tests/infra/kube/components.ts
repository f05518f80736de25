/**
 * Command lines of the four control-plane components, and the files they share in the cluster dir.
 *
 * Everything listens on 127.0.0.1 only. Authentication is by static bearer tokens, so no client
 * certificates are needed; one serving certificate (SANs 127.0.0.1, localhost) serves all three
 * Kubernetes components, so the harness checks every /healthz against the one test CA.
 * @module
 */

import { join } from "node:path";
import type { Pki } from "./pki.ts";

/** Ports picked for one cluster. */
export interface ClusterPorts {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
}

/** Files of one cluster inside its directory. */
export interface ClusterLayout {
  dir: string;
  pki: Pki;
  tokenFile: string;
  etcdData: string;
  adminKubeconfig: string;
  controllerManagerKubeconfig: string;
  schedulerKubeconfig: string;
}

/** Lays out the files of a cluster in `dir` (nothing is created here). */
export function clusterLayout(dir: string, pki: Pki): ClusterLayout {
  return {
    dir,
    pki,
    tokenFile: join(dir, "tokens.csv"),
    etcdData: join(dir, "etcd-data"),
    adminKubeconfig: join(dir, "admin.kubeconfig"),
    controllerManagerKubeconfig: join(dir, "controller-manager.kubeconfig"),
    schedulerKubeconfig: join(dir, "scheduler.kubeconfig"),
  };
}

/** The service CIDR; its first address (10.0.0.1) is only a SAN, nothing ever contacts it. */
export const SERVICE_CLUSTER_IP_RANGE = "10.0.0.0/24";

/**
 * Controllers we run (canonical 1.36 names, see `kube-controller-manager --help`). Left out on
 * purpose: node-lifecycle (fake nodes would go NotReady and get evicted), node-ipam, endpoints,
 * workload controllers (no kubelet runs anything), CSR signing.
 */
export const CONTROLLERS = [
  "persistentvolume-binder-controller",
  "persistentvolume-protection-controller",
  "persistentvolumeclaim-protection-controller",
  "persistentvolume-expander-controller",
  "garbage-collector-controller",
  "namespace-controller",
  "serviceaccount-controller",
  "serviceaccount-token-controller",
  "root-ca-certificate-publisher-controller",
  "clusterrole-aggregation-controller",
];

/** etcd: one member on loopback; fsync off because the data dies with the test. */
export function etcdArgs(layout: ClusterLayout, ports: ClusterPorts): string[] {
  const client = `http://127.0.0.1:${ports.etcdClient}`;
  const peer = `http://127.0.0.1:${ports.etcdPeer}`;
  return [
    "--name=local-lvm-test",
    `--data-dir=${layout.etcdData}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=local-lvm-test=${peer}`,
    "--unsafe-no-fsync",
    "--log-level=warn",
  ];
}

/** kube-apiserver: RBAC + static tokens, service-account signing, no insecure port. */
export function apiserverArgs(layout: ClusterLayout, ports: ClusterPorts): string[] {
  const { pki } = layout;
  return [
    `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${ports.apiserver}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--cert-dir=${join(layout.dir, "apiserver-certs")}`,
    `--token-auth-file=${layout.tokenFile}`,
    "--authorization-mode=Node,RBAC",
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    // The provisioner's DaemonSet is privileged: without this the API rejects its pods.
    "--allow-privileged=true",
    // A loopback advertise address cannot be published as the kubernetes Service's endpoint.
    "--endpoint-reconciler-type=none",
    "--profiling=false",
  ];
}

/**
 * kube-controller-manager. Each controller uses its own kube-system service account
 * (`--use-service-account-credentials=true`, as kubeadm does): the system:kube-controller-manager
 * role alone may not update claims, so the binder could not work under the manager's own identity.
 */
export function controllerManagerArgs(layout: ClusterLayout, ports: ClusterPorts): string[] {
  const { pki } = layout;
  return [
    `--kubeconfig=${layout.controllerManagerKubeconfig}`,
    `--controllers=${CONTROLLERS.join(",")}`,
    `--service-account-private-key-file=${pki.serviceAccountKey}`,
    `--root-ca-file=${pki.caCert}`,
    "--use-service-account-credentials=true",
    "--leader-elect=false",
    "--bind-address=127.0.0.1",
    `--secure-port=${ports.controllerManager}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--cert-dir=${join(layout.dir, "controller-manager-certs")}`,
  ];
}

/** kube-scheduler with the default profile. */
export function schedulerArgs(layout: ClusterLayout, ports: ClusterPorts): string[] {
  const { pki } = layout;
  return [
    `--kubeconfig=${layout.schedulerKubeconfig}`,
    "--leader-elect=false",
    "--bind-address=127.0.0.1",
    `--secure-port=${ports.scheduler}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--cert-dir=${join(layout.dir, "scheduler-certs")}`,
  ];
}

/** Static bearer tokens: an admin in system:masters, and one identity per component. */
export interface ClusterTokens {
  admin: string;
  controllerManager: string;
  scheduler: string;
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Creates fresh tokens and writes the apiserver's `--token-auth-file` (mode 0600). */
export async function writeTokens(layout: ClusterLayout): Promise<ClusterTokens> {
  const tokens = {
    admin: randomToken(),
    controllerManager: randomToken(),
    scheduler: randomToken(),
  };
  const lines = [
    `${tokens.admin},local-lvm-admin,local-lvm-admin,"system:masters"`,
    `${tokens.controllerManager},system:kube-controller-manager,system:kube-controller-manager`,
    `${tokens.scheduler},system:kube-scheduler,system:kube-scheduler`,
  ];
  await Deno.writeTextFile(layout.tokenFile, lines.join("\n") + "\n", { mode: 0o600 });
  return tokens;
}

/** Writes a kubeconfig (JSON, which is valid YAML) for `user` with a bearer token. */
export async function writeKubeconfig(
  path: string,
  server: string,
  caCert: string,
  user: string,
  token: string,
): Promise<void> {
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "local-lvm-test", cluster: { server, "certificate-authority": caCert } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: user, context: { cluster: "local-lvm-test", user } }],
    "current-context": user,
  };
  await Deno.writeTextFile(path, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });
}
