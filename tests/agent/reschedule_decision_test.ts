/**
 * Which failed plans hand the claim back to the scheduler: "this node cannot" does (another
 * node may), "this claim is bad" does not (no node could serve it, and a reschedule loop would
 * only hide the reason).
 */
import assert from "node:assert/strict";
import { parseConfig } from "../../src/config/parse.ts";
import type { ClaimObject } from "../../src/decide/claim.ts";
import { planVolume } from "../../src/provision/plan_volume.ts";

const MiB = 1024 * 1024;

function claim(over: { storage?: string; volumeMode?: string; accessModes?: string[] } = {}) {
  return {
    metadata: { name: "c", namespace: "default", uid: "11111111-2222-3333-4444-555555555555" },
    spec: {
      accessModes: over.accessModes ?? ["ReadWriteOnce"],
      resources: { requests: { storage: over.storage ?? "8Mi" } },
      volumeMode: over.volumeMode ?? "Filesystem",
      storageClassName: "local-lvm",
    },
  } satisfies ClaimObject;
}

const CONFIG = {
  nodeVGMap: [
    { node: "ok", path: "/v", vgs: ["vg0"] },
    { node: "disabled", path: "/v", vgs: [] },
    { node: "missing", path: "/v", vgs: ["vgX"] },
  ],
};

const CASES: { name: string; node: string; claim: ClaimObject; reschedule?: boolean }[] = [
  { name: "fits", node: "ok", claim: claim() },
  { name: "too big for the VG", node: "ok", claim: claim({ storage: "1Gi" }), reschedule: true },
  { name: "node disabled (vgs: [])", node: "disabled", claim: claim(), reschedule: true },
  { name: "node not covered, no DEFAULT", node: "absent", claim: claim(), reschedule: true },
  { name: "configured VG missing on the node", node: "missing", claim: claim(), reschedule: true },
  { name: "block mode", node: "ok", claim: claim({ volumeMode: "Block" }), reschedule: false },
  {
    name: "ReadWriteMany",
    node: "ok",
    claim: claim({ accessModes: ["ReadWriteMany"] }),
    reschedule: false,
  },
  { name: "malformed size", node: "ok", claim: claim({ storage: "lots" }), reschedule: false },
  // Bad claims win over a node that could not serve them anyway.
  {
    name: "block mode on a disabled node",
    node: "disabled",
    claim: claim({ volumeMode: "Block" }),
    reschedule: false,
  },
];

for (const c of CASES) {
  Deno.test(`planVolume reschedule: ${c.name}`, () => {
    const parsed = parseConfig(JSON.stringify(CONFIG));
    if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
    const plan = planVolume({
      claim: c.claim,
      storageClass: { name: "local-lvm", provisioner: "local-lvm.io" },
      node: { name: c.node, hostnameLabel: c.node },
      config: parsed.config,
      vgReports: [{ name: "vg0", sizeBytes: 64 * MiB, freeBytes: 64 * MiB, extentBytes: 4 * MiB }],
      reservations: [],
    });
    if (c.reschedule === undefined) {
      assert.ok(plan.ok, plan.ok ? "" : plan.errors.join("; "));
      return;
    }
    assert.ok(!plan.ok, `${c.name} must fail`);
    assert.equal(plan.reschedule, c.reschedule, plan.errors.join("; "));
  });
}
