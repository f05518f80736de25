import assert from "node:assert/strict";
import {
  checkCloneSource,
  cloneRequest,
  type SourceCheckInput,
} from "../../src/decide/clone_source.ts";

const UID = "5a5a5a5a-0000-4000-8000-000000000001";

function pv(node: string, by = "local-lvm.io", uid = UID) {
  return {
    metadata: { name: `pvc-${UID}`, annotations: { "pv.kubernetes.io/provisioned-by": by } },
    spec: {
      claimRef: { uid },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [{
            matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }],
          }],
        },
      },
    },
  };
}

function input(patch: Partial<SourceCheckInput> = {}): SourceCheckInput {
  return {
    request: { namespace: "db", name: "data" },
    sourceClaim: {
      metadata: { namespace: "db", name: "data", uid: UID },
      spec: { volumeName: `pvc-${UID}` },
      status: { phase: "Bound" },
    },
    sourcePv: pv("node-a"),
    node: "node-a",
    hostnameLabel: "node-a",
    provisioners: ["local-lvm.io", "mein.io/local-lvm"],
    ...patch,
  };
}

Deno.test("cloneRequest: none, a claim, or why not", () => {
  assert.deepEqual(cloneRequest({ spec: {} }), { kind: "none" });
  assert.deepEqual(
    cloneRequest({
      metadata: { namespace: "db" },
      spec: { dataSourceRef: { apiGroup: "", kind: "PersistentVolumeClaim", name: "data" } },
    }),
    { kind: "claim", namespace: "db", name: "data" },
  );
  const other = cloneRequest({
    metadata: { namespace: "db" },
    spec: { dataSourceRef: { kind: "PersistentVolumeClaim", name: "data", namespace: "prod" } },
  });
  assert.equal(other.kind, "unsupported");
});

Deno.test("checkCloneSource accepts a Bound claim of ours on this node", () => {
  assert.deepEqual(checkCloneSource(input()), {
    ok: true,
    source: { claim: { namespace: "db", name: "data", uid: UID }, pvName: `pvc-${UID}` },
  });
});

Deno.test("checkCloneSource refusals, each with its reason", () => {
  const cases: [string, Partial<SourceCheckInput>, RegExp][] = [
    ["missing", { sourceClaim: undefined }, /^source claim db\/data does not exist$/],
    [
      "pending",
      { sourceClaim: { metadata: { uid: UID }, spec: {}, status: { phase: "Pending" } } },
      /is Pending, not Bound; waiting for it/,
    ],
    ["no PV", { sourcePv: undefined }, /which was not found/],
    [
      "not ours",
      { sourcePv: pv("node-a", "rancher.io/local-path") },
      /local-lvm did not provision/,
    ],
    ["PV of another claim", { sourcePv: pv("node-a", "local-lvm.io", "x") }, /was not found/],
    [
      "another node",
      { sourcePv: pv("node-b") },
      /lives on node node-b, but this claim was scheduled to node node-a: .*nodeSelector kubernetes.io\/hostname=node-b/,
    ],
  ];
  for (const [name, patch, reason] of cases) {
    const r = checkCloneSource(input(patch));
    assert.equal(r.ok, false, name);
    if (!r.ok) assert.match(r.reason, reason, name);
  }
});
