import assert from "node:assert/strict";
import { chooseNode, type NodeChoiceInput } from "../../src/decide/node_choice.ts";
import { chooserDecision, clusterUsage } from "../../src/decide/node_usage.ts";
import { graceState, strandedVolumes } from "../../src/decide/deleted_nodes.ts";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const nodes = (...names: string[]) => names.map((name) => ({ name, labels: { zone: name[0] } }));

function input(over: Partial<NodeChoiceInput>): NodeChoiceInput {
  return {
    policy: "most-free",
    requestBytes: 100 * MiB,
    nodes: nodes("a", "b", "c"),
    published: new Map([["a", 1 * GiB], ["b", 2 * GiB], ["c", 3 * GiB]]),
    promised: new Map(),
    volumes: new Map(),
    ...over,
  };
}

Deno.test("most-free picks the node with the most space left after promises", () => {
  assert.equal((chooseNode(input({})) as { node: string }).node, "c");
  const promised = new Map([["c", 2.5 * GiB]]);
  const choice = chooseNode(input({ promised }));
  assert.ok(choice.ok);
  assert.equal(choice.node, "b");
  assert.match(choice.reason, /^policy most-free: b \(2 GiB free, 0 volumes\) among 3 node/);
});

Deno.test("least-used picks the node with the fewest volumes, ties by space then name", () => {
  const volumes = new Map([["a", 1], ["b", 3], ["c", 2]]);
  assert.equal(
    (chooseNode(input({ policy: "least-used", volumes })) as { node: string }).node,
    "a",
  );
  const tie = new Map([["a", 1], ["b", 1], ["c", 1]]);
  assert.equal(
    (chooseNode(input({ policy: "least-used", volumes: tie })) as { node: string }).node,
    "c",
  );
  const equal = new Map([["a", GiB], ["b", GiB]]);
  const byName = chooseNode(input({ policy: "least-used", published: equal }));
  assert.equal((byName as { node: string }).node, "a");
});

Deno.test("20 equal claims on 3 equal nodes spread 7/7/6 under either policy", () => {
  for (const policy of ["most-free", "least-used"] as const) {
    const volumes = new Map<string, number>();
    const promised = new Map<string, number>();
    const published = new Map([["a", GiB], ["b", GiB], ["c", GiB]]);
    for (let i = 0; i < 20; i++) {
      const choice = chooseNode(
        input({ policy, requestBytes: 32 * MiB, published, volumes, promised }),
      );
      assert.ok(choice.ok);
      volumes.set(choice.node, (volumes.get(choice.node) ?? 0) + 1);
      promised.set(choice.node, (promised.get(choice.node) ?? 0) + 32 * MiB);
    }
    assert.deepEqual([...volumes.values()].sort(), [6, 7, 7], policy);
  }
});

Deno.test("nodes that cannot take the claim are excluded, each with its reason", () => {
  const choice = chooseNode(input({
    requestBytes: 2.5 * GiB,
    nodes: [
      { name: "a", labels: {} },
      { name: "b", labels: {}, unschedulable: true },
      { name: "c", labels: {}, deleting: true },
      { name: "d", labels: {} },
      { name: "e", labels: { zone: "x" } },
      { name: "f", labels: {}, notReady: true },
    ],
    published: new Map([["a", GiB], ["b", 3 * GiB], ["c", 3 * GiB], ["e", 3 * GiB]]),
    allowedTopologies: [{ matchLabelExpressions: [{ key: "zone", values: ["y"] }] }],
  }));
  assert.deepEqual(choice, {
    ok: false,
    reason: "no node can fit 2.5 GiB: a: not in the class's allowedTopologies; b: cordoned; " +
      "c: being deleted; d: not in the class's allowedTopologies; " +
      "e: not in the class's allowedTopologies; f: not Ready",
  });
  const noTopology = chooseNode(input({
    requestBytes: 2.5 * GiB,
    nodes: nodes("a", "d"),
    published: new Map([["a", GiB]]),
  }));
  assert.deepEqual(noTopology, {
    ok: false,
    reason: "no node can fit 2.5 GiB: a: 1 GiB free; " +
      "d: no capacity published (disabled or not covered by the config)",
  });
  assert.deepEqual(chooseNode(input({ nodes: [] })), {
    ok: false,
    reason: "no node can fit 100 MiB: there are no nodes",
  });
});

Deno.test("a request exactly the published size fits", () => {
  const choice = chooseNode(input({ requestBytes: 3 * GiB }));
  assert.ok(choice.ok && choice.node === "c");
});

const PROV = "volume.kubernetes.io/storage-provisioner";
const SEL = "volume.kubernetes.io/selected-node";
function claim(over: { annotations?: Record<string, string>; size?: string; extra?: object } = {}) {
  return {
    metadata: { uid: "u1", annotations: { [PROV]: "local-lvm.io", ...over.annotations } },
    spec: {
      storageClassName: "imm",
      resources: { requests: { storage: over.size ?? "1Mi" } },
      ...over.extra,
    },
  };
}
const IMM = { name: "imm", provisioner: "local-lvm.io", volumeBindingMode: "Immediate" };
const PROVS = ["local-lvm.io", "mein.io/local-lvm"];

Deno.test("chooserDecision: which claims wait for the chooser", () => {
  const cases: [string, unknown, string][] = [
    ["small request raised to 4 MiB", chooserDecision(claim(), IMM, PROVS), "choose:4194304"],
    [
      "unset binding mode is Immediate",
      chooserDecision(claim(), { ...IMM, volumeBindingMode: undefined }, PROVS),
      "choose:4194304",
    ],
    [
      "WFFC",
      chooserDecision(claim(), { ...IMM, volumeBindingMode: "WaitForFirstConsumer" }, PROVS),
      "ignore:not Immediate",
    ],
    [
      "has a node",
      chooserDecision(claim({ annotations: { [SEL]: "n" } }), IMM, PROVS),
      "ignore:has a node",
    ],
    [
      "not handed over",
      chooserDecision(claim({ annotations: { [PROV]: "other" } }), IMM, PROVS),
      "ignore:not handed to us yet",
    ],
    [
      "other provisioner",
      chooserDecision(claim(), { ...IMM, provisioner: "x" }, PROVS),
      "ignore:not our provisioner",
    ],
    ["no class", chooserDecision(claim(), undefined, PROVS), "ignore:no storage class of ours"],
    ["bound", chooserDecision(claim({ extra: { volumeName: "pv" } }), IMM, PROVS), "ignore:bound"],
    ["has a volume", chooserDecision(claim(), IMM, PROVS, true), "ignore:has a volume"],
    [
      "bad size",
      chooserDecision(claim({ size: "1GB" }), IMM, PROVS),
      'reject:invalid storage request "1GB": not a Kubernetes quantity',
    ],
  ];
  for (const [name, d, want] of cases) {
    const got = d as { action: string; requestBytes?: number; message?: string };
    assert.equal(`${got.action}:${got.requestBytes ?? got.message}`, want, name);
  }
});

function pv(name: string, node: string, over: Record<string, unknown> = {}) {
  return {
    metadata: {
      name,
      annotations: { "pv.kubernetes.io/provisioned-by": "local-lvm.io" },
      ...over,
    },
    spec: {
      persistentVolumeReclaimPolicy: "Delete",
      claimRef: { namespace: "ns", name: `c-${name}`, uid: `uid-${name}` },
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

Deno.test("clusterUsage counts PVs by node (name or hostname label) and promised claims", () => {
  const usage = clusterUsage({
    nodes: [{ name: "n1", labels: { "kubernetes.io/hostname": "host-1" } }, {
      name: "n2",
      labels: {},
    }],
    pvs: [
      pv("pvc-a", "host-1"),
      pv("pvc-b", "n2"),
      pv("pvc-x", "n2", { annotations: { "pv.kubernetes.io/provisioned-by": "other" } }),
      pv("pvc-u2", "n2"),
    ],
    claims: [
      { ...claim({ annotations: { [SEL]: "n1" }, size: "10Mi" }) },
      // Its PV exists already: counted once, as the PV.
      {
        ...claim({ annotations: { [SEL]: "n2" } }),
        metadata: { uid: "u2", annotations: { [SEL]: "n2" } },
      },
      // Another class: not ours.
      { ...claim({ annotations: { [SEL]: "n1" } }), spec: { storageClassName: "other" } },
    ],
    ourClasses: new Set(["imm"]),
    provisioners: PROVS,
  });
  assert.deepEqual([...usage.volumes].sort(), [["n1", 2], ["n2", 2]]);
  assert.deepEqual([...usage.promised], [["n1", 10 * MiB]]);
});

Deno.test("strandedVolumes: our PVs of missing nodes, with claim and policy", () => {
  const FIN = "local-lvm.io/storage";
  const list = strandedVolumes({
    pvs: [
      pv("pvc-1", "gone"),
      {
        ...pv("pvc-2", "gone"),
        spec: {
          ...pv("pvc-2", "gone").spec,
          persistentVolumeReclaimPolicy: "Retain",
          claimRef: undefined,
        },
      },
      pv("pvc-3", "here"),
      pv("pvc-4", "gone", { deletionTimestamp: "2026-01-01T00:00:00Z", finalizers: [] }),
      pv("pvc-5", "gone", { deletionTimestamp: "2026-01-01T00:00:00Z", finalizers: [FIN] }),
      pv("pvc-6", "gone", { annotations: { "pv.kubernetes.io/provisioned-by": "else" } }),
    ],
    nodes: [{ name: "here", labels: {} }],
    provisioners: PROVS,
    finalizer: FIN,
  });
  assert.deepEqual(list, [
    {
      pv: "pvc-1",
      hostname: "gone",
      reclaimPolicy: "Delete",
      claim: { namespace: "ns", name: "c-pvc-1", uid: "uid-pvc-1" },
    },
    { pv: "pvc-2", hostname: "gone", reclaimPolicy: "Retain" },
    {
      pv: "pvc-5",
      hostname: "gone",
      reclaimPolicy: "Delete",
      claim: { namespace: "ns", name: "c-pvc-5", uid: "uid-pvc-5" },
    },
  ]);
});

Deno.test("graceState keeps the first time seen and reports the next due time", () => {
  const a = { pv: "a", hostname: "n", reclaimPolicy: "Delete" };
  const b = { pv: "b", hostname: "n", reclaimPolicy: "Delete" };
  const s1 = graceState(new Map(), [a], 0, 1_000);
  const s2 = graceState(s1.since, [a, b], 600, 1_000);
  assert.deepEqual([...s2.since], [["a", 0], ["b", 600]]);
  assert.equal(s2.nextInMs, 400);
  const s3 = graceState(s2.since, [a, b], 1_000, 1_000);
  assert.deepEqual(s3.due.map((v) => v.pv), ["a"]);
  assert.equal(s3.nextInMs, 600);
});
