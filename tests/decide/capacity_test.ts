import assert from "node:assert/strict";
import {
  capacityNodeLabel,
  capacityObjectName,
  capacitySelector,
  desiredCapacities,
  largestVolume,
} from "../../src/decide/capacity.ts";
import { type CapacityChange, capacityChanges } from "../../src/decide/capacity_diff.ts";
import { roundToExtents } from "../../src/decide/size.ts";
import type { Reservation, VgReport } from "../../src/decide/vg_choice.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

function vg(name: string, freeBytes: number, extentBytes = 4 * MiB): VgReport {
  return { name, sizeBytes: 100 * GiB, freeBytes, extentBytes };
}

const LARGEST: {
  name: string;
  configuredVgs: string[];
  reports: VgReport[];
  reservations?: Reservation[];
  bytes: number;
  vg?: string;
}[] = [
  { name: "no VGs configured", configuredVgs: [], reports: [vg("vg0", GiB)], bytes: 0 },
  { name: "configured VG missing", configuredVgs: ["vgX"], reports: [vg("vg0", GiB)], bytes: 0 },
  {
    name: "the largest configured VG wins",
    configuredVgs: ["vg0", "vg1"],
    reports: [vg("vg0", GiB), vg("vg1", 2 * GiB)],
    bytes: 2 * GiB,
    vg: "vg1",
  },
  {
    name: "VGs outside the config do not count",
    configuredVgs: ["vg0"],
    reports: [vg("vg0", GiB), vg("vg9", 50 * GiB)],
    bytes: GiB,
    vg: "vg0",
  },
  {
    name: "reservations are subtracted",
    configuredVgs: ["vg0", "vg1"],
    reports: [vg("vg0", GiB), vg("vg1", 2 * GiB)],
    reservations: [{ vg: "vg1", bytes: 1536 * MiB }],
    bytes: GiB,
    vg: "vg0",
  },
  {
    name: "free space is rounded down to whole extents",
    configuredVgs: ["vg0"],
    reports: [vg("vg0", 100 * MiB, 32 * MiB)],
    bytes: 96 * MiB,
    vg: "vg0",
  },
  {
    name: "a partial reservation leaves whole extents only",
    configuredVgs: ["vg0"],
    reports: [vg("vg0", 100 * MiB)],
    reservations: [{ vg: "vg0", bytes: 1 }],
    bytes: 96 * MiB,
    vg: "vg0",
  },
  {
    name: "less than the smallest volume (4 MiB) with 1 MiB extents counts as nothing",
    configuredVgs: ["vg0"],
    reports: [vg("vg0", 3 * MiB, MiB)],
    bytes: 0,
  },
  {
    name: "over-reserved VGs count as nothing",
    configuredVgs: ["vg0"],
    reports: [vg("vg0", 8 * MiB)],
    reservations: [{ vg: "vg0", bytes: 12 * MiB }],
    bytes: 0,
  },
];

for (const c of LARGEST) {
  Deno.test(`largestVolume: ${c.name}`, () => {
    const result = largestVolume({
      configuredVgs: c.configuredVgs,
      reports: c.reports,
      reservations: c.reservations ?? [],
    });
    assert.deepEqual(result, c.vg ? { bytes: c.bytes, vg: c.vg } : { bytes: 0 });
  });
}

Deno.test("largestVolume never promises more than the VG choice would make", () => {
  // Any request up to the published size rounds up to at most the free space.
  for (const extent of [MiB, 4 * MiB, 32 * MiB]) {
    for (const free of [0, 3 * MiB, 5 * MiB + 1, 100 * MiB, 100 * MiB + 7]) {
      const { bytes } = largestVolume({
        configuredVgs: ["vg0"],
        reports: [vg("vg0", free, extent)],
        reservations: [],
      });
      if (bytes === 0) continue;
      assert.ok(roundToExtents(bytes, extent) <= free, `${free}/${extent}`);
      assert.ok(roundToExtents(1, extent) <= free, `${free}/${extent}: smallest fits`);
    }
  }
});

Deno.test("capacity names are fixed per (node, class) and distinct otherwise", () => {
  const names = [
    capacityObjectName("a", "local-lvm"),
    capacityObjectName("b", "local-lvm"),
    capacityObjectName("a", "fast"),
    // No ambiguity from joining the parts.
    capacityObjectName("a-", "b"),
    capacityObjectName("a", "-b"),
  ];
  assert.equal(new Set(names).size, names.length);
  assert.equal(capacityObjectName("a", "local-lvm"), names[0]);
  for (const name of names) assert.match(name, /^local-lvm-[0-9a-f]{16}$/);
});

Deno.test("capacity node labels are valid label values", () => {
  const cases: [string, string | RegExp][] = [
    ["worker-1", "worker-1"],
    ["node.example.com", "node.example.com"],
    ["a".repeat(63), "a".repeat(63)],
    ["a".repeat(64), /^[0-9a-f]{16}$/],
    ["ends-with-dash-", /^[0-9a-f]{16}$/],
  ];
  for (const [node, want] of cases) {
    const label = capacityNodeLabel(node);
    if (typeof want === "string") assert.equal(label, want);
    else assert.match(label, want);
  }
  assert.equal(
    capacitySelector("worker-1"),
    "app.kubernetes.io/managed-by=local-lvm,local-lvm.io/node=worker-1",
  );
});

const NODE = { name: "n1", uid: "uid-1", hostnameLabel: "host-1" };

Deno.test("desiredCapacities: one object per class, topology on the hostname label", () => {
  const objects = desiredCapacities({
    namespace: "ns",
    node: NODE,
    classes: ["b", "a", "b"],
    bytes: 12 * MiB,
  });
  assert.deepEqual(objects.map((o) => o.storageClassName), ["a", "b"]);
  assert.deepEqual(objects[0], {
    apiVersion: "storage.k8s.io/v1",
    kind: "CSIStorageCapacity",
    metadata: {
      name: capacityObjectName("n1", "a"),
      namespace: "ns",
      labels: { "app.kubernetes.io/managed-by": "local-lvm", "local-lvm.io/node": "n1" },
      ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "n1", uid: "uid-1" }],
    },
    storageClassName: "a",
    nodeTopology: { matchLabels: { "kubernetes.io/hostname": "host-1" } },
    capacity: String(12 * MiB),
    maximumVolumeSize: String(12 * MiB),
  });
});

const [WANT] = desiredCapacities({ namespace: "ns", node: NODE, classes: ["a"], bytes: 8 * MiB });

const DIFFS: { name: string; existing: object[]; desired?: typeof WANT[]; ops: string[] }[] = [
  { name: "nothing there: create", existing: [], ops: ["create"] },
  { name: "identical: nothing", existing: [WANT], ops: [] },
  {
    name: "the server's spelling of the same size: nothing",
    existing: [{ ...WANT, capacity: "8Mi", maximumVolumeSize: "8Mi" }],
    ops: [],
  },
  {
    name: "another size: patch",
    existing: [{ ...WANT, capacity: "4Mi", maximumVolumeSize: "4Mi" }],
    ops: ["patch"],
  },
  {
    name: "no maximumVolumeSize: patch",
    existing: [{ ...WANT, maximumVolumeSize: undefined }],
    ops: ["patch"],
  },
  {
    name: "owner of a re-created Node: patch",
    existing: [{
      ...WANT,
      metadata: {
        ...WANT.metadata,
        ownerReferences: [{ ...WANT.metadata.ownerReferences[0], uid: "old" }],
      },
    }],
    ops: ["patch"],
  },
  {
    name: "hostname label changed (immutable topology): replace",
    existing: [{ ...WANT, nodeTopology: { matchLabels: { "kubernetes.io/hostname": "old" } } }],
    ops: ["replace"],
  },
  {
    name: "match expressions (immutable topology): replace",
    existing: [{ ...WANT, nodeTopology: { ...WANT.nodeTopology, matchExpressions: [{}] } }],
    ops: ["replace"],
  },
  {
    name: "an object no longer wanted is deleted first",
    existing: [{ ...WANT, metadata: { name: "local-lvm-old" } }],
    ops: ["delete local-lvm-old", "create"],
  },
  { name: "node disabled: delete everything", existing: [WANT], desired: [], ops: ["delete"] },
];

for (const c of DIFFS) {
  Deno.test(`capacityChanges: ${c.name}`, () => {
    const changes = capacityChanges(c.desired ?? [WANT], c.existing as never);
    const show = (ch: CapacityChange) =>
      ch.op === "delete" && ch.name !== WANT.metadata.name ? `delete ${ch.name}` : ch.op;
    assert.deepEqual(changes.map(show), c.ops);
    for (const ch of changes) {
      if (ch.op === "patch") {
        assert.deepEqual(ch.patch, {
          metadata: { ownerReferences: WANT.metadata.ownerReferences },
          capacity: WANT.capacity,
          maximumVolumeSize: WANT.maximumVolumeSize,
        });
      }
      if (ch.op === "create" || ch.op === "replace") assert.deepEqual(ch.object, WANT);
    }
  });
}
