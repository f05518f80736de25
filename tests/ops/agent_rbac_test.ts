/**
 * The permission list doctor checks is exactly deploy/rbac.yaml's: every rule of the
 * ClusterRole (cluster-wide) and the Role (agent's namespace), and nothing more.
 */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { AGENT_NAMESPACE, AGENT_PERMISSIONS } from "../../src/ops/agent_rbac.ts";

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
}

const RBAC = new URL("../../deploy/rbac.yaml", import.meta.url);

/** `scope group/resource:verb` for every grant. */
function grants(scope: string, rules: readonly Rule[]): string[] {
  return rules.flatMap((r) =>
    (r.apiGroups ?? []).flatMap((g) =>
      (r.resources ?? []).flatMap((res) => r.verbs.map((v) => `${scope} ${g}/${res}:${v}`))
    )
  );
}

Deno.test("doctor's permission list is deploy/rbac.yaml's", async () => {
  const docs = parseAllDocuments(await Deno.readTextFile(RBAC)).map((d) => d.toJSON());
  const role = (kind: string) =>
    docs.find((d) => d?.kind === kind && d.metadata?.name === "local-lvm-agent");
  const clusterRole = role("ClusterRole");
  const namespaced = role("Role");
  assert.equal(namespaced.metadata.namespace, AGENT_NAMESPACE);
  const fromYaml = [
    ...grants("cluster", clusterRole.rules),
    ...grants("namespace", namespaced.rules),
  ].sort();
  const fromCode = AGENT_PERMISSIONS.flatMap((p) =>
    p.verbs.map((v) => `${p.scope} ${p.group}/${p.resource}:${v}`)
  ).sort();
  assert.deepEqual(fromCode, fromYaml);
});
