import assert from "node:assert/strict";
import { buildVolumeSpec, type VolumeSpecInput } from "../../src/decide/volume_spec.ts";
import type { VolumeSpec } from "../../src/volume.ts";

const MiB = 1024 * 1024;
const UID = "6b0f8b1e-3c2a-4d7e-9f10-2b3c4d5e6f70";

function input(over: Partial<VolumeSpecInput> = {}): VolumeSpecInput {
  return {
    claim: {
      metadata: { name: "db", namespace: "apps", uid: UID },
      spec: {
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: "5Mi" } },
        storageClassName: "local-lvm",
      },
    },
    node: "node-1",
    hostnameLabel: "node-1.example",
    storageClass: { name: "local-lvm", provisioner: "local-lvm.io" },
    config: { path: "/data", vgs: ["vg0", "vg1"] },
    vgChoice: { vg: "vg1", sizeBytes: 8 * MiB },
    ...over,
  };
}

function build(over: Partial<VolumeSpecInput> = {}): VolumeSpec {
  const r = buildVolumeSpec(input(over));
  if (!r.ok) throw new Error(r.errors.join("; "));
  return r.spec;
}

function errors(over: Partial<VolumeSpecInput>): string[] {
  const r = buildVolumeSpec(input(over));
  assert.equal(r.ok, false);
  return (r as { errors: string[] }).errors;
}

Deno.test("buildVolumeSpec assembles the whole spec", () => {
  assert.deepEqual(build(), {
    pvName: `pvc-${UID}`,
    claim: { namespace: "apps", name: "db", uid: UID },
    node: "node-1",
    hostnameLabel: "node-1.example",
    provisioner: "local-lvm.io",
    storageClass: "local-lvm",
    reclaimPolicy: "Delete",
    vg: "vg1",
    requestBytes: 5 * MiB,
    sizeBytes: 8 * MiB,
    fsType: "ext4",
    mountOptions: [],
    basePath: "/data",
    mountPoint: `/data/pvc-${UID}`,
    hostPath: `/data/pvc-${UID}/data`,
    unitName: "data-pvc\\x2d6b0f8b1e\\x2d3c2a\\x2d4d7e\\x2d9f10\\x2d2b3c4d5e6f70.mount",
    accessModes: ["ReadWriteOnce"],
  });
});

Deno.test("buildVolumeSpec option precedence", () => {
  const sc = input().storageClass;
  const cfg = input().config;
  const cases: [string, Partial<VolumeSpecInput>, Partial<VolumeSpec>][] = [
    ["config fsType", { config: { ...cfg, fsType: "xfs" } }, { fsType: "xfs" }],
    ["class fsType wins", {
      config: { ...cfg, fsType: "xfs" },
      storageClass: { ...sc, parameters: { fsType: "ext4" } },
    }, { fsType: "ext4" }],
    ["class fsType alone", { storageClass: { ...sc, parameters: { fsType: "xfs" } } }, {
      fsType: "xfs",
    }],
    ["config mount options", { config: { ...cfg, mountOptions: ["noatime"] } }, {
      mountOptions: ["noatime"],
    }],
    ["class mount options win", {
      config: { ...cfg, mountOptions: ["noatime"] },
      storageClass: { ...sc, mountOptions: ["discard", "nodev"] },
    }, { mountOptions: ["discard", "nodev"] }],
    ["an empty class list means unset", {
      config: { ...cfg, mountOptions: ["noatime"] },
      storageClass: { ...sc, mountOptions: [] },
    }, { mountOptions: ["noatime"] }],
    ["Retain from the class", { storageClass: { ...sc, reclaimPolicy: "Retain" } }, {
      reclaimPolicy: "Retain",
    }],
    ["null reclaim policy means Delete", { storageClass: { ...sc, reclaimPolicy: null } }, {
      reclaimPolicy: "Delete",
    }],
    ["trailing slashes of the base path", { config: { ...cfg, path: "/var/lib/lvm//" } }, {
      basePath: "/var/lib/lvm//",
      mountPoint: `/var/lib/lvm/pvc-${UID}`,
      hostPath: `/var/lib/lvm/pvc-${UID}/data`,
    }],
    ["a base path with a space", { config: { ...cfg, path: "/local lvm" } }, {
      unitName: "local\\x20lvm-pvc\\x2d6b0f8b1e\\x2d3c2a\\x2d4d7e\\x2d9f10\\x2d2b3c4d5e6f70.mount",
    }],
    ["legacy provisioner name is kept", {
      storageClass: { ...sc, provisioner: "mein.io/local-lvm" },
    }, {
      provisioner: "mein.io/local-lvm",
    }],
  ];
  for (const [name, over, expected] of cases) {
    const spec = build(over);
    for (const [key, value] of Object.entries(expected)) {
      assert.deepEqual(spec[key as keyof VolumeSpec], value, `${name}: ${key}`);
    }
  }
});

Deno.test("buildVolumeSpec copies the claim's access modes and the chosen size", () => {
  const base = input();
  const spec = build({
    claim: {
      ...base.claim,
      spec: {
        ...base.claim.spec,
        accessModes: ["ReadWriteOncePod"],
        resources: { requests: { storage: "1.5Gi" } },
      },
    },
    vgChoice: { vg: "vg0", sizeBytes: 1536 * MiB },
  });
  assert.deepEqual(spec.accessModes, ["ReadWriteOncePod"]);
  assert.equal(spec.requestBytes, 1536 * MiB);
  assert.equal(spec.sizeBytes, 1536 * MiB);
  assert.equal(spec.vg, "vg0");
});

Deno.test("buildVolumeSpec reports every problem", () => {
  const base = input();
  const sc = base.storageClass;
  const cases: [string, Partial<VolumeSpecInput>, string[]][] = [
    ["invalid claim", {
      claim: { ...base.claim, spec: { ...base.claim.spec, volumeMode: "Block" } },
    }, ["block volumes are not supported: local-lvm provides Filesystem volumes only"]],
    ["no uid", { claim: { ...base.claim, metadata: { name: "db", namespace: "apps" } } }, [
      "claim has no metadata.uid",
    ]],
    ["a uid that is not a UID", {
      claim: { ...base.claim, metadata: { name: "db", namespace: "apps", uid: "../x" } },
    }, ['claim uid "../x" is not a valid UID']],
    ["no name or namespace", { claim: { ...base.claim, metadata: { uid: UID } } }, [
      "claim has no metadata.name",
      "claim has no metadata.namespace",
    ]],
    ["no hostname label", { hostnameLabel: "" }, [
      "node node-1 has no kubernetes.io/hostname label",
    ]],
    ["no node", { node: "" }, ["no node name given"]],
    ["bad class fsType", { storageClass: { ...sc, parameters: { fsType: "btrfs" } } }, [
      'fsType "btrfs" in the parameters of storage class local-lvm is not supported (use ext4 or xfs)',
    ]],
    ["bad config fsType", { config: { ...base.config, fsType: "ext3" } }, [
      'fsType "ext3" in the config of node node-1 is not supported (use ext4 or xfs)',
    ]],
    ["Recycle", { storageClass: { ...sc, reclaimPolicy: "Recycle" } }, [
      "reclaim policy Recycle of storage class local-lvm is not supported (use Delete or Retain)",
    ]],
    ["chosen size below the request", { vgChoice: { vg: "vg0", sizeBytes: 4 * MiB } }, [
      `volume size ${4 * MiB} is smaller than the request of ${5 * MiB} bytes`,
    ]],
    ["relative base path", { config: { ...base.config, path: "data" } }, [
      `mount point data/pvc-${UID} is unusable: cannot escape "data/pvc-${UID}" ` +
      "for systemd: not an absolute path",
    ]],
    [
      "a base path too long for a unit name",
      { config: { ...base.config, path: "/-".repeat(60) } },
      [
        `mount point ${"/-".repeat(60)}/pvc-${UID} is too long for a systemd unit name`,
      ],
    ],
  ];
  for (const [name, over, expected] of cases) {
    assert.deepEqual(errors(over), expected, name);
  }
});
