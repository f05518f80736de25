/**
 * The agent's RBAC is exactly the least-privilege list: what it reads, watches and writes,
 * and nothing else (no wildcards, no secrets, pods or configmaps).
 */

import assert from "node:assert/strict";
import {
  type BindingObject,
  type KubeObject,
  loadAll,
  NAMESPACE,
  only,
  type PolicyRule,
  type RoleObject,
} from "./manifests.ts";
import type { DaemonSetObject } from "./workload.ts";

const AGENT = "local-lvm-agent";

/** `group/resource:verb` for every grant, sorted ("" is the core group). */
function grants(rules: readonly PolicyRule[]): string[] {
  const out: string[] = [];
  for (const rule of rules) {
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        for (const verb of rule.verbs) out.push(`${group}/${resource}:${verb}`);
      }
    }
  }
  return out.sort();
}

function expand(group: string, resource: string, verbs: string[]): string[] {
  return verbs.map((verb) => `${group}/${resource}:${verb}`);
}

const WATCH = ["get", "list", "watch"];

const EXPECTED_CLUSTER = [
  ...expand("", "persistentvolumeclaims", [...WATCH, "patch"]),
  ...expand("", "persistentvolumeclaims/status", ["patch"]),
  ...expand("", "persistentvolumes", [...WATCH, "create", "delete", "patch"]),
  ...expand("storage.k8s.io", "storageclasses", WATCH),
  ...expand("", "nodes", WATCH),
  ...expand("", "events", ["create", "patch"]),
  ...expand("events.k8s.io", "events", ["create", "patch"]),
].sort();

const EXPECTED_NAMESPACED = [
  // Leader election: read the Lease, create it, replace it guarded by its resourceVersion.
  ...expand("coordination.k8s.io", "leases", ["get", "create", "update"]),
  // Capacity publishing: list its own node's objects by label, create, patch, delete; the
  // chooser (leader) caches all of ours (list, watch). No get, no update (patches only).
  ...expand("storage.k8s.io", "csistoragecapacities", [
    "list",
    "watch",
    "create",
    "patch",
    "delete",
  ]),
].sort();

const FORBIDDEN_RESOURCES = ["secrets", "pods", "configmaps", "serviceaccounts", "*"];

/** What is wrong with a rule set beyond its exact list: wildcards and forbidden resources. */
function ruleProblems(rules: readonly PolicyRule[]): string[] {
  const problems: string[] = [];
  rules.forEach((rule, i) => {
    if (rule.verbs.includes("*")) problems.push(`rule ${i}: verb *`);
    if (rule.apiGroups?.includes("*")) problems.push(`rule ${i}: apiGroup *`);
    for (const r of rule.resources ?? []) {
      if (FORBIDDEN_RESOURCES.includes(r.split("/")[0])) problems.push(`rule ${i}: ${r}`);
    }
    if (rule.nonResourceURLs) problems.push(`rule ${i}: nonResourceURLs`);
    if (!rule.resources?.length || !rule.apiGroups?.length) problems.push(`rule ${i}: empty`);
  });
  return problems;
}

Deno.test("ruleProblems catches wildcards and forbidden resources", () => {
  const cases: { rules: PolicyRule[]; problems: number }[] = [
    { rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get"] }], problems: 0 },
    { rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["*"] }], problems: 1 },
    { rules: [{ apiGroups: ["*"], resources: ["nodes"], verbs: ["get"] }], problems: 1 },
    { rules: [{ apiGroups: [""], resources: ["*"], verbs: ["get"] }], problems: 1 },
    { rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }], problems: 1 },
    { rules: [{ apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] }], problems: 1 },
    { rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }], problems: 1 },
    { rules: [{ nonResourceURLs: ["/metrics"], verbs: ["get"] }], problems: 2 },
  ];
  for (const { rules, problems } of cases) {
    assert.equal(ruleProblems(rules).length, problems, JSON.stringify(rules));
  }
});

Deno.test("the ClusterRole grants exactly the cluster-wide list", async () => {
  const role = only<RoleObject>(await loadAll(), "ClusterRole", AGENT);
  assert.deepEqual(ruleProblems(role.rules), []);
  assert.deepEqual(grants(role.rules), EXPECTED_CLUSTER);
  assert.ok(role.rules.every((rule) => rule.resourceNames === undefined));
});

Deno.test("the Role grants exactly the namespaced list, in local-lvm-storage", async () => {
  const role = only<RoleObject>(await loadAll(), "Role", AGENT);
  assert.equal(role.metadata.namespace, NAMESPACE);
  assert.deepEqual(ruleProblems(role.rules), []);
  assert.deepEqual(grants(role.rules), EXPECTED_NAMESPACED);
});

Deno.test("no other roles exist, and no aggregation", async () => {
  const all = await loadAll();
  const roles = all.filter(({ object }) => /^(Cluster)?Role$/.test(object.kind));
  assert.deepEqual(roles.map(({ object }) => `${object.kind}/${object.metadata.name}`).sort(), [
    `ClusterRole/${AGENT}`,
    `Role/${AGENT}`,
  ]);
  for (const { object } of roles) assert.equal((object as KubeObject).aggregationRule, undefined);
});

const bindingCases = [
  { kind: "ClusterRoleBinding", roleKind: "ClusterRole" },
  { kind: "RoleBinding", roleKind: "Role" },
];

for (const { kind, roleKind } of bindingCases) {
  Deno.test(`the ${kind} gives the ${roleKind} to the agent's ServiceAccount only`, async () => {
    const all = await loadAll();
    const binding = only<BindingObject>(all, kind, AGENT);
    assert.deepEqual(binding.roleRef, {
      apiGroup: "rbac.authorization.k8s.io",
      kind: roleKind,
      name: AGENT,
    });
    only(all, roleKind, binding.roleRef.name);
    assert.deepEqual(binding.subjects, [{
      kind: "ServiceAccount",
      name: AGENT,
      namespace: NAMESPACE,
    }]);
    const sa = only(all, "ServiceAccount", AGENT);
    assert.equal(sa.metadata.namespace, NAMESPACE);
  });
}

Deno.test("the DaemonSet runs as the bound ServiceAccount", async () => {
  const all = await loadAll();
  const ds = only<DaemonSetObject>(all, "DaemonSet");
  assert.equal(ds.spec.template.spec.serviceAccountName, AGENT);
  assert.equal(ds.metadata.namespace, only(all, "ServiceAccount", AGENT).metadata.namespace);
});
