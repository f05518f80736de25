import assert from "node:assert/strict";
import type { ClaimObject } from "../../src/decide/claim.ts";
import {
  type ClassRef,
  type IgnoreReason,
  shouldProvision,
  type ShouldProvisionInput,
} from "../../src/decide/should_provision.ts";

const OURS = "local-lvm.io";
const LEGACY = "mein.io/local-lvm";
const GA = "volume.kubernetes.io/storage-provisioner";
const BETA = "volume.beta.kubernetes.io/storage-provisioner";
const SELECTED = "volume.kubernetes.io/selected-node";

const WFFC: ClassRef = {
  name: "local-lvm",
  provisioner: OURS,
  volumeBindingMode: "WaitForFirstConsumer",
};

function claim(
  annotations: Record<string, string>,
  spec: NonNullable<ClaimObject["spec"]> = {},
  deletionTimestamp?: string,
): ClaimObject {
  return {
    metadata: { name: "db", namespace: "apps", uid: "u1", annotations, deletionTimestamp },
    spec: { storageClassName: "local-lvm", ...spec },
  };
}

const READY = { [GA]: OURS, [BETA]: OURS, [SELECTED]: "node-1" };

interface Case {
  name: string;
  input: Partial<ShouldProvisionInput>;
  reason?: IgnoreReason;
  message?: string;
}

const CASES: Case[] = [
  { name: "ready WFFC claim on our node", input: {} },
  {
    name: "only the GA trigger annotation",
    input: { claim: claim({ [GA]: OURS, [SELECTED]: "node-1" }) },
  },
  {
    name: "only the beta trigger annotation",
    input: { claim: claim({ [BETA]: OURS, [SELECTED]: "node-1" }) },
  },
  {
    name: "legacy provisioner class and annotation",
    input: {
      storageClass: { ...WFFC, provisioner: LEGACY },
      claim: claim({ [GA]: LEGACY, [SELECTED]: "node-1" }),
    },
  },
  {
    name: "Immediate class once a node is selected",
    input: { storageClass: { name: "local-lvm", provisioner: OURS } },
  },
  {
    name: "class named by the beta annotation",
    input: {
      claim: claim({ ...READY, "volume.beta.kubernetes.io/storage-class": "local-lvm" }, {
        storageClassName: null,
      }),
    },
  },
  {
    name: "claim being deleted",
    input: { claim: claim(READY, {}, "2024-01-01T00:00:00Z") },
    reason: "being-deleted",
    message: "claim is being deleted",
  },
  {
    name: "deletion wins over everything else",
    input: { claim: claim({}, { volumeName: "pv-x" }, "2024-01-01T00:00:00Z") },
    reason: "being-deleted",
  },
  {
    name: "claim already bound",
    input: { claim: claim(READY, { volumeName: "pvc-u1" }) },
    reason: "already-bound",
    message: "claim is already bound to volume pvc-u1",
  },
  {
    name: "claim without a class",
    input: { claim: claim(READY, { storageClassName: "" }) },
    reason: "no-storage-class",
    message: "claim has no storage class",
  },
  {
    name: "class does not exist",
    input: { storageClass: undefined },
    reason: "no-storage-class",
    message: "storage class local-lvm does not exist",
  },
  {
    name: "class given is not the claim's class",
    input: { storageClass: { ...WFFC, name: "other" } },
    reason: "no-storage-class",
  },
  {
    name: "another provisioner's class",
    input: { storageClass: { ...WFFC, provisioner: "rancher.io/local-path" } },
    reason: "not-our-provisioner",
    message: "storage class local-lvm belongs to provisioner rancher.io/local-path",
  },
  {
    name: "class is authoritative even if the annotation names us",
    input: {
      storageClass: { ...WFFC, provisioner: "ebs.csi.aws.com" },
      claim: claim({ [GA]: OURS, [SELECTED]: "node-1" }),
    },
    reason: "not-our-provisioner",
  },
  {
    name: "no trigger annotation yet",
    input: { claim: claim({ [SELECTED]: "node-1" }) },
    reason: "not-triggered",
    message: `claim has no ${GA} annotation yet`,
  },
  {
    name: "trigger annotation names someone else",
    input: { claim: claim({ [GA]: "other.io", [SELECTED]: "node-1" }) },
    reason: "not-triggered",
    message: `claim's ${GA} annotation names provisioner other.io`,
  },
  {
    name: "legacy name in the annotation only if we answer to it",
    input: { provisioners: [OURS], claim: claim({ [GA]: LEGACY, [SELECTED]: "node-1" }) },
    reason: "not-triggered",
  },
  {
    name: "WFFC claim before scheduling",
    input: { claim: claim({ [GA]: OURS }) },
    reason: "no-selected-node",
    message: "waiting for the scheduler to select a node (WaitForFirstConsumer)",
  },
  {
    name: "Immediate claim before a node is chosen",
    input: {
      storageClass: { ...WFFC, volumeBindingMode: "Immediate" },
      claim: claim({ [GA]: OURS }),
    },
    reason: "no-selected-node",
    message: "waiting for a node to be selected for the claim (Immediate binding)",
  },
  {
    name: "empty selected-node annotation",
    input: { claim: claim({ [GA]: OURS, [SELECTED]: "" }) },
    reason: "no-selected-node",
  },
  {
    name: "another node's claim",
    input: { claim: claim({ ...READY, [SELECTED]: "node-2" }) },
    reason: "not-our-node",
    message: "claim is for node node-2, not node-1",
  },
  {
    name: "PV already exists",
    input: { existingPv: "pvc-u1" },
    reason: "already-provisioned",
    message: "volume pvc-u1 already exists",
  },
  {
    name: "another node's claim with an existing PV is still another node's",
    input: { existingPv: "pvc-u1", node: "node-2" },
    reason: "not-our-node",
  },
];

Deno.test("shouldProvision decision table", () => {
  for (const c of CASES) {
    const got = shouldProvision({
      claim: claim(READY),
      storageClass: WFFC,
      node: "node-1",
      provisioners: [OURS, LEGACY],
      ...c.input,
    });
    if (c.reason === undefined) {
      assert.deepEqual(got, { action: "provision" }, c.name);
      continue;
    }
    assert.equal(got.action, "ignore", c.name);
    if (got.action !== "ignore") continue;
    assert.equal(got.reason, c.reason, c.name);
    if (c.message !== undefined) assert.equal(got.message, c.message, c.name);
  }
});
