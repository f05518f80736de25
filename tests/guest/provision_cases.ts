/**
 * Provisioning and teardown with real lvm2, e2fsprogs, xfsprogs, util-linux and systemd:
 * sizes round as planned and the PV says the real size, data written in the volume reads
 * back, the LV carries exactly our tags, a Delete teardown leaves nothing, and a Retain
 * volume stays whole.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseQuantityBytes } from "../../src/decide/quantity.ts";
import type { VolumeSpec } from "../../src/volume.ts";
import {
  engineFor,
  type GuestContext,
  guestSha256,
  MiB,
  newWorld,
  payload,
  planSpec,
  sh,
  sha256Hex,
  testUid,
  type TierCase,
  type World,
} from "./context.ts";
import { assertNothingLeftOnGuest, assertProvisionedOnGuest, listGuestLvs } from "./node_state.ts";

/** Writes a file into the volume's data dir with `tee` and checks it reads back whole. */
export async function writeAndReadBack(
  ctx: GuestContext,
  spec: VolumeSpec,
  file = "payload.txt",
): Promise<string> {
  const text = payload(spec.pvName);
  const path = `${spec.hostPath}/${file}`;
  await sh(ctx, ["tee", path], text);
  await sh(ctx, ["sync"]);
  assert.equal(await sh(ctx, ["cat", path]), text, `${path} reads back`);
  const hash = await sha256Hex(text);
  assert.equal(await guestSha256(ctx, path), hash, `${path} sha256`);
  return hash;
}

/** Provisions a claim and checks it is exactly there; returns the world for teardown. */
export async function provisionOk(ctx: GuestContext, spec: VolumeSpec): Promise<World> {
  const world = newWorld();
  const outcome = await engineFor(ctx, world).run(spec.pvName, spec);
  assert.equal(
    outcome.status,
    "completed",
    `${spec.claim.name}: ${"error" in outcome ? outcome.error.message : ""}`,
  );
  await assertProvisionedOnGuest(ctx, spec, world);
  return world;
}

/** Tears a volume down (reclaim policy Delete) and checks nothing is left. */
export async function teardownOk(ctx: GuestContext, spec: VolumeSpec, world: World) {
  const outcome = await engineFor(ctx, world).teardown(spec.pvName, spec);
  assert.equal(
    outcome.status,
    "torn-down",
    `${spec.claim.name}: ${"error" in outcome ? outcome.error.message : ""}`,
  );
  await assertNothingLeftOnGuest(ctx, spec, world);
}

const SIZES = [
  { name: "one-byte", storage: "1", fsType: "ext4", want: 4 * MiB },
  { name: "five-mib", storage: "5Mi", fsType: "ext4", want: 8 * MiB },
  { name: "xfs-300", storage: "300Mi", fsType: "xfs", want: 300 * MiB },
] as const;

export const provisionCases: TierCase[] = [
  ...SIZES.map((c, i): TierCase => ({
    name: `${c.fsType} volume for a ${c.storage}-byte request: ${c.want / MiB} MiB, data, tags, ` +
      "teardown",
    async fn(ctx) {
      const spec = await planSpec(ctx.exec, {
        name: c.name,
        uid: testUid(0x100 + i),
        storage: c.storage,
        fsType: c.fsType,
      });
      assert.equal(spec.sizeBytes, c.want, "the plan's rounding");
      const world = await provisionOk(ctx, spec);

      const [lv] = (await listGuestLvs(ctx, ["@local-lvm-provisioner"]))
        .filter((l) => l.name === spec.pvName);
      assert.ok(lv, "lvs @local-lvm-provisioner lists the volume");
      assert.equal(lv.tags.length, 3, "exactly three tags");
      const pv = await world.kube.readPersistentVolume(spec.pvName);
      const capacity = parseQuantityBytes(
        (pv?.spec.capacity as { storage?: string } | undefined)?.storage,
      );
      assert.ok(capacity.ok);
      assert.equal(capacity.bytes, lv.sizeBytes, "PV capacity is the real LV size");
      assert.equal(lv.sizeBytes, c.want);

      await writeAndReadBack(ctx, spec);
      await teardownOk(ctx, spec, world);
    },
  })),
  {
    name: "Retain: after provisioning, everything is kept and mounted",
    async fn(ctx) {
      const spec = await planSpec(ctx.exec, {
        name: "retained",
        uid: testUid(0x110),
        storage: "8Mi",
        reclaimPolicy: "Retain",
      });
      const world = await provisionOk(ctx, spec);
      const pv = await world.kube.readPersistentVolume(spec.pvName);
      assert.equal(pv?.spec.persistentVolumeReclaimPolicy, "Retain");
      const hash = await writeAndReadBack(ctx, spec);
      // Retain means the agent never runs the teardown: the volume stays as it is.
      await assertProvisionedOnGuest(ctx, spec, world);
      assert.equal(await guestSha256(ctx, `${spec.hostPath}/payload.txt`), hash);
      // Cleanup only, so the VG is free for the cases that follow.
      await teardownOk(ctx, spec, world);
    },
  },
];
