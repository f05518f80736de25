import assert from "node:assert/strict";
import * as mod from "../../src/decide/mod.ts";

const MODULES = [
  "capacity",
  "capacity_diff",
  "claim",
  "claim_validation",
  "deleted_nodes",
  "names",
  "node_choice",
  "node_usage",
  "pv_spec",
  "quantity",
  "should_provision",
  "size",
  "systemd_escape",
  "vg_choice",
  "volume_spec",
];

Deno.test("mod.ts re-exports every export of every module", async () => {
  const all = mod as Record<string, unknown>;
  for (const name of MODULES) {
    const m = await import(`../../src/decide/${name}.ts`);
    for (const [key, value] of Object.entries(m)) {
      assert.equal(all[key], value, `${name}.ts: ${key}`);
    }
  }
});

Deno.test("names are the ones Kubernetes and the original project use", () => {
  assert.deepEqual(
    {
      provisionedBy: mod.ANN_PROVISIONED_BY,
      selectedNode: mod.ANN_SELECTED_NODE,
      storageProvisioner: mod.ANN_STORAGE_PROVISIONER,
      betaStorageProvisioner: mod.ANN_BETA_STORAGE_PROVISIONER,
      betaStorageClass: mod.ANN_BETA_STORAGE_CLASS,
      hostname: mod.LABEL_HOSTNAME,
      finalizer: mod.FINALIZER,
      legacy: mod.LEGACY_PROVISIONER,
    },
    {
      provisionedBy: "pv.kubernetes.io/provisioned-by",
      selectedNode: "volume.kubernetes.io/selected-node",
      storageProvisioner: "volume.kubernetes.io/storage-provisioner",
      betaStorageProvisioner: "volume.beta.kubernetes.io/storage-provisioner",
      betaStorageClass: "volume.beta.kubernetes.io/storage-class",
      hostname: "kubernetes.io/hostname",
      finalizer: "local-lvm.io/storage",
      legacy: "mein.io/local-lvm",
    },
  );
});
