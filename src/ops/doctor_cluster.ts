/**
 * Doctor's API checks: the server answers, this node is known, and every permission the
 * agent needs is granted to whoever runs the check (a `SelfSubjectAccessReview` per verb,
 * which every authenticated user may create).
 *
 * @module
 */

import { isNotFound } from "../kube/errors.ts";
import type { KubeHttp } from "../kube/http.ts";
import { LABEL_HOSTNAME } from "../decide/names.ts";
import {
  AGENT_NAMESPACE,
  AGENT_PERMISSIONS,
  AGENT_SERVICE_ACCOUNT,
  type Permission,
  resourceName,
} from "./agent_rbac.ts";
import type { CheckRow } from "./report.ts";

/** One access question. */
export interface AccessQuestion {
  group: string;
  resource: string;
  /** `status` for `persistentvolumeclaims/status`. */
  subresource?: string;
  verb: string;
  /** Absent: cluster-wide. */
  namespace?: string;
}

/** The API as doctor needs it; {@link kubeClusterAccess} is the real one. */
export interface ClusterAccess {
  /** `gitVersion` of `/version`. */
  serverVersion(): Promise<string>;
  /** The node's labels, or undefined when there is no such Node. */
  nodeLabels(name: string): Promise<Record<string, string> | undefined>;
  review(question: AccessQuestion): Promise<{ allowed: boolean; reason?: string }>;
}

/** {@link ClusterAccess} over a {@link KubeHttp}. */
export function kubeClusterAccess(http: KubeHttp): ClusterAccess {
  return {
    async serverVersion() {
      const v = await http.request<{ gitVersion?: string }>("GET", "/version");
      return v?.gitVersion ?? "unknown version";
    },
    async nodeLabels(name) {
      try {
        const node = await http.request<{ metadata?: { labels?: Record<string, string> } }>(
          "GET",
          `/api/v1/nodes/${encodeURIComponent(name)}`,
        );
        return node?.metadata?.labels ?? {};
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async review(q) {
      const answer = await http.request<{ status?: { allowed?: boolean; reason?: string } }>(
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        {
          body: {
            apiVersion: "authorization.k8s.io/v1",
            kind: "SelfSubjectAccessReview",
            spec: { resourceAttributes: q },
          },
        },
      );
      return { allowed: answer?.status?.allowed === true, reason: answer?.status?.reason };
    },
  };
}

function permissionRow(p: Permission, denied: string[], namespace: string): CheckRow {
  const where = p.scope === "cluster" ? "cluster-wide" : `in namespace ${namespace}`;
  const name = `rbac ${resourceName(p)}`;
  if (denied.length === 0) {
    return { name, status: "ok", detail: `${p.verbs.join(", ")} allowed ${where}` };
  }
  const role = p.scope === "cluster" ? "ClusterRole" : "Role";
  return {
    name,
    status: "fail",
    detail: `denied ${where}: ${denied.join(", ")}`,
    fix: `kubectl apply -f deploy/rbac.yaml: ${role} local-lvm-agent grants ` +
      `${p.verbs.join(", ")} on ${resourceName(p)} to ServiceAccount ` +
      `${AGENT_NAMESPACE}/${AGENT_SERVICE_ACCOUNT}; run the agent (and doctor) with its token`,
  };
}

/** API reachability, this node, and one row per permission of the agent. */
export async function clusterChecks(
  access: ClusterAccess,
  nodeName: string,
  namespace = AGENT_NAMESPACE,
  permissions: readonly Permission[] = AGENT_PERMISSIONS,
): Promise<CheckRow[]> {
  let version: string;
  try {
    version = await access.serverVersion();
  } catch (error) {
    return [{
      name: "api",
      status: "fail",
      detail: `cannot reach the API server: ${(error as Error).message}`,
      fix: "check KUBECONFIG (outside a pod) or the pod's ServiceAccount token and the " +
        "network path to the API server",
    }];
  }
  const rows: CheckRow[] = [{ name: "api", status: "ok", detail: `reachable, ${version}` }];
  try {
    const labels = await access.nodeLabels(nodeName);
    rows.push(
      labels
        ? {
          name: "node",
          status: "ok",
          detail: `Node ${nodeName} exists (hostname label ${labels[LABEL_HOSTNAME] ?? "unset"})`,
        }
        : {
          name: "node",
          status: "fail",
          detail: `no Node named ${nodeName}`,
          fix: "set NODE_NAME to this node's name as `kubectl get nodes` shows it",
        },
    );
  } catch (error) {
    rows.push({ name: "node", status: "fail", detail: (error as Error).message });
  }
  for (const p of permissions) {
    const denied: string[] = [];
    for (const verb of p.verbs) {
      const ns = p.scope === "namespace" ? { namespace } : {};
      // `claims/status` is asked as resource + subresource, as the API server authorizes it.
      const [resource, subresource] = p.resource.split("/");
      const sub = subresource ? { subresource } : {};
      const answer = await access.review({ group: p.group, resource, verb, ...sub, ...ns });
      if (!answer.allowed) denied.push(verb);
    }
    rows.push(permissionRow(p, denied, namespace));
  }
  return rows;
}
