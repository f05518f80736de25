/**
 * Data safety against real tools: a filesystem the saga did not make is never formatted
 * nor removed (tagged ours or not), a pod cannot land on the root filesystem when a volume
 * is not mounted, and a volume made by the original project is recognised and torn down.
 *
 * @module
 */

import assert from "node:assert/strict";
import { findLogicalVolumes } from "../../src/provision/node_queries.ts";
import { specFromExisting } from "../../src/provision/existing_volume.ts";
import type { PersistentVolumeObject } from "../../src/kube/volume_api.ts";
import type { VolumeSpec } from "../../src/volume.ts";
import {
  BASE,
  code,
  engineFor,
  type GuestContext,
  guestSha256,
  newWorld,
  NODE,
  payload,
  planSpec,
  sh,
  testUid,
  type TierCase,
} from "./context.ts";
import { assertNothingLeftOnGuest, listGuestLvs, readVolumeState } from "./node_state.ts";
import { provisionOk, writeAndReadBack } from "./provision_cases.ts";

const FOREIGN_UUID = "11111111-2222-3333-4444-555555555555";

/**
 * Makes the LV `spec` names by hand, as an admin or another tool would: lvcreate (tags
 * optional), mkfs.ext4 with a UUID that is not the claim's, one file written in it.
 * Returns the sha256 of the whole device.
 */
async function foreignVolume(ctx: GuestContext, spec: VolumeSpec, tags: string[]) {
  const dev = `/dev/${spec.vg}/${spec.pvName}`;
  const scratch = `/mnt/${spec.claim.name}`;
  await sh(ctx, [
    "lvcreate",
    "--yes",
    "--name",
    spec.pvName,
    "--size",
    `${spec.sizeBytes}b`,
    ...tags.flatMap((t) => ["--addtag", t]),
    spec.vg,
  ]);
  await sh(ctx, ["mkfs.ext4", "-q", "-U", FOREIGN_UUID, dev]);
  await sh(ctx, ["mkdir", "-p", scratch]);
  await sh(ctx, ["mount", "-t", "ext4", dev, scratch]);
  await sh(ctx, ["tee", `${scratch}/precious.txt`], payload("precious"));
  await sh(ctx, ["umount", scratch]);
  await sh(ctx, ["rmdir", scratch]);
  return await guestSha256(ctx, dev);
}

/** The foreign LV is still there, byte for byte, with the tags it had. */
async function assertUntouched(ctx: GuestContext, spec: VolumeSpec, hash: string, tags: string[]) {
  const dev = `/dev/${spec.vg}/${spec.pvName}`;
  assert.equal(await guestSha256(ctx, dev), hash, "the whole device is unchanged");
  const [lv] = await listGuestLvs(ctx, ["--select", `lv_name=${spec.pvName}`]);
  assert.deepEqual(lv?.tags, tags, "its tags are unchanged");
  const left = await readVolumeState(ctx, spec);
  assert.equal(left.fs?.uuid, FOREIGN_UUID);
  assert.equal(left.mount, undefined, "not mounted by us");
  assert.equal(left.mountPointExists, false, "no mount point made");
  assert.equal(left.unitFileExists, false, "no unit installed");
  assert.equal(left.activationFileExists, false, "no activation service installed");
}

const NEVER_FORMAT = [
  {
    label: "untagged",
    tags: [] as string[],
    want: "rolled-back",
    error: /already exists and is not the one this claim asked for/,
  },
  {
    label: "tagged",
    tags: ["local-lvm-provisioner", `mount=${BASE}`, "pvname=default-tagged"],
    // mkfs refuses; the rollback then refuses to lvremove it: stuck, data kept, reported.
    want: "stuck",
    error: /Refusing to format .* already holds a ext4 filesystem \(UUID 11111111-/,
  },
];

export const safetyCases: TierCase[] = [
  ...NEVER_FORMAT.map((c, i): TierCase => ({
    name: `an LV of the claimed name with a foreign filesystem, ${c.label}: refused, data intact`,
    async fn(ctx) {
      const spec = await planSpec(ctx.exec, {
        name: c.label,
        uid: testUid(0x400 + i),
        storage: "8Mi",
        vgs: ["vg0"],
      });
      const hash = await foreignVolume(ctx, spec, c.tags);
      try {
        const world = newWorld();
        const outcome = await engineFor(ctx, world).run(spec.pvName, spec);
        assert.equal(outcome.status, c.want);
        const messages = [
          ...outcome.record.errors,
          "error" in outcome ? outcome.error.message : "",
        ];
        assert.ok(messages.some((m) => c.error.test(m)), messages.join("\n"));
        if (outcome.status === "stuck") {
          assert.match(
            outcome.error.message,
            /was not made for claim default\/tagged; not removing/,
          );
        }
        await assertUntouched(ctx, spec, hash, c.tags);
        assert.equal(await world.kube.readPersistentVolume(spec.pvName), undefined, "no PV");
        assert.deepEqual(world.reservations.list(), []);
      } finally {
        await sh(ctx, ["lvremove", "--yes", `${spec.vg}/${spec.pvName}`]);
      }
    },
  })),
  {
    name: "unmounted: the PV's hostPath does not exist and nothing is under the mount point",
    async fn(ctx) {
      const spec = await planSpec(ctx.exec, {
        name: "rootfs",
        uid: testUid(0x410),
        storage: "8Mi",
      });
      const world = await provisionOk(ctx, spec);
      await writeAndReadBack(ctx, spec);
      await sh(ctx, ["umount", spec.mountPoint]);
      // The kubelet's check for a hostPath of type Directory: stat, and it must be a dir.
      const stat = await ctx.probe.run(["stat", "-c", "%F", spec.hostPath]);
      assert.equal(stat.code, 1);
      assert.match(stat.stderr, /No such file or directory/);
      assert.equal(await sh(ctx, ["ls", "-A", spec.mountPoint]), "", "bare mount point is empty");
      // Teardown from here: nothing to unmount, the empty directory goes, then the LV.
      const outcome = await engineFor(ctx, world).teardown(spec.pvName, spec);
      assert.equal(outcome.status, "torn-down");
      await assertNothingLeftOnGuest(ctx, spec, world);
    },
  },
  {
    name: "a volume made by the original project is recognised and torn down",
    async fn(ctx) {
      const uid = testUid(0x420);
      const lvName = `pvc-${uid}`;
      const dev = `/dev/vg0/${lvName}`;
      const legacyMount = `${BASE}/default-legacy`;
      // What the original's helper pod did: its tags, mkfs -U <uid>, mounted at
      // <path>/<namespace>-<claim>, no data subdirectory, no per-volume unit.
      await sh(ctx, [
        "lvcreate",
        "--yes",
        "--size",
        "8m",
        "--name",
        lvName,
        ...["--addtag", "local-lvm-provisioner", "--addtag", `mount=${BASE}`],
        ...["--addtag", "pvname=default-legacy", "vg0"],
      ]);
      await sh(ctx, ["mkfs.ext4", "-q", "-m", "0", "-U", uid, dev]);
      await sh(ctx, ["mkdir", "-p", legacyMount]);
      await sh(ctx, ["mount", "-t", "ext4", dev, legacyMount]);
      await sh(ctx, ["tee", `${legacyMount}/old.txt`], payload("legacy"));
      const pv: PersistentVolumeObject = {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: {
          name: lvName,
          annotations: { "pv.kubernetes.io/provisioned-by": "mein.io/local-lvm" },
        },
        spec: {
          claimRef: { namespace: "default", name: "legacy", uid },
          hostPath: { path: legacyMount, type: "DirectoryOrCreate" },
          persistentVolumeReclaimPolicy: "Delete",
        },
      };
      const world = newWorld();
      await world.kube.createPersistentVolume(pv);

      const [lv] = await findLogicalVolumes(ctx.exec, lvName);
      const existing = specFromExisting({ lv, pv, node: NODE, provisioner: "local-lvm.io" });
      assert.ok(existing.ok, existing.ok ? "" : existing.error);
      const spec = existing.spec;
      assert.equal(spec.legacy, true);
      assert.equal(spec.mountPoint, legacyMount);
      assert.equal(spec.vg, "vg0");
      assert.equal(spec.sizeBytes, 8 * 1024 ** 2);
      const outcome = await engineFor(ctx, world).teardown(lvName, spec);
      assert.equal(outcome.status, "torn-down", "error" in outcome ? outcome.error.message : "");
      await assertNothingLeftOnGuest(ctx, spec, world);
      assert.equal(await code(ctx, ["test", "-e", legacyMount]), 1);
    },
  },
];
