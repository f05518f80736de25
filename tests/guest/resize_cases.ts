/**
 * Online expansion with real lvm2, e2fsprogs and xfsprogs: a mounted ext4 and a mounted xfs
 * grow to the rounded request while their data stays intact (the size `statfs` reports, as
 * `df` shows it, grows), running the grow again changes nothing, and a full volume group
 * fails with lvm2's own stderr and leaves LV, filesystem and data as they were.
 *
 * @module
 */

import assert from "node:assert/strict";
import { exactQuantity } from "../../src/decide/quantity.ts";
import { resizeNeed } from "../../src/decide/resize_need.ts";
import type { Claim } from "../../src/kube/claim_api.ts";
import { MemoryClaimStatus } from "../../src/kube/claim_status.ts";
import { planResize } from "../../src/resize/plan_resize.ts";
import { type ResizeResult, runResize } from "../../src/resize/run_resize.ts";
import type { ResizeSpec } from "../../src/resize/spec.ts";
import { MemoryJournal, SagaEngine } from "../../src/saga/mod.ts";
import type { FsType, VolumeSpec } from "../../src/volume.ts";
import { growFs } from "../../steps/grow_fs.ts";
import { lvextend } from "../../steps/lvextend.ts";
import { resizeSaga } from "../../steps/resize_saga.ts";
import {
  type GuestContext,
  guestSha256,
  MiB,
  planSpec,
  sh,
  testUid,
  type TierCase,
  type World,
} from "./context.ts";
import { listGuestLvs } from "./node_state.ts";
import { provisionOk, teardownOk, writeAndReadBack } from "./provision_cases.ts";

/** The filesystem's size as statfs (and so `df`) reports it: blocks times block size. */
async function statfsBytes(ctx: GuestContext, path: string): Promise<number> {
  const [blocks, size] = (await sh(ctx, ["stat", "-f", "-c", "%b %S", path])).trim().split(" ");
  return Number(blocks) * Number(size);
}

async function lvBytes(ctx: GuestContext, spec: VolumeSpec): Promise<number> {
  const [lv] = await listGuestLvs(ctx, [`${spec.vg}/${spec.pvName}`]);
  return lv.sizeBytes;
}

/** The bound claim of a provisioned volume, in memory, now asking for `storage`. */
function boundClaim(spec: VolumeSpec, storage: string): MemoryClaimStatus {
  const claims = new MemoryClaimStatus();
  claims.put({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { ...spec.claim },
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage } },
      volumeName: spec.pvName,
    },
    status: { phase: "Bound", capacity: { storage: exactQuantity(spec.sizeBytes) } },
  } as Claim);
  return claims;
}

/** Plans and runs the expansion exactly as the agent does, against the guest. */
async function grow(
  ctx: GuestContext,
  world: World,
  spec: VolumeSpec,
  storage: string,
): Promise<{ result: ResizeResult; resize: ResizeSpec; claims: MemoryClaimStatus }> {
  const claims = boundClaim(spec, storage);
  const claim = (await claims.readClaim(spec.claim.namespace, spec.claim.name))!;
  const pv = (await world.kube.readPersistentVolume(spec.pvName))!;
  const need = resizeNeed(claim, pv);
  assert.ok(need, "the claim wants more");
  const plan = await planResize(ctx.exec, {
    need,
    claim: spec.claim,
    pv,
    node: spec.node,
    provisioner: spec.provisioner,
  });
  if (!plan.ok) throw new Error(plan.error);
  const engine = new SagaEngine(resizeSaga, {
    journal: new MemoryJournal(),
    deps: { exec: ctx.exec, kube: world.kube, claims },
    undoAttempts: 2,
    undoBackoffMs: 200,
  });
  const events = { normal: () => {}, warning: () => {} };
  const result = await runResize({ engine, claims, events }, plan.spec, claim);
  return { result, resize: plan.spec, claims };
}

const GROWS: { fsType: FsType; from: string; to: string; want: number }[] = [
  { fsType: "ext4", from: "64Mi", to: "201Mi", want: 204 },
  { fsType: "xfs", from: "300Mi", to: "400Mi", want: 400 },
];

export const resizeCases: TierCase[] = [
  ...GROWS.map((c, i): TierCase => ({
    name: `resize: mounted ${c.fsType} ${c.from} grows online to ${c.want} MiB, data intact`,
    async fn(ctx) {
      const spec = await planSpec(ctx.exec, {
        name: `grow-${c.fsType}`,
        uid: testUid(0x600 + i),
        storage: c.from,
        fsType: c.fsType,
      });
      const world = await provisionOk(ctx, spec);
      const hash = await writeAndReadBack(ctx, spec);
      const before = await statfsBytes(ctx, spec.mountPoint);

      const t0 = performance.now();
      const { result, resize, claims } = await grow(ctx, world, spec, c.to);
      const ms = Math.round(performance.now() - t0);
      assert.equal(result.status, "resized", result.status === "failed" ? result.message : "");
      assert.equal(resize.sizeBytes, c.want * MiB, "same rounding as provisioning");
      assert.equal(await lvBytes(ctx, spec), c.want * MiB, "lvs says the new size");
      const after = await statfsBytes(ctx, spec.mountPoint);
      console.log(
        `${c.fsType}: statfs ${(before / MiB).toFixed(1)} MiB -> ${(after / MiB).toFixed(1)} MiB ` +
          `(LV ${c.want} MiB) in ${ms} ms`,
      );
      // statfs leaves out the filesystem's own metadata, so compare growth, not size.
      assert.ok(after - before > (c.want * MiB - spec.sizeBytes) * 0.9, "the filesystem grew");
      assert.equal(await guestSha256(ctx, `${spec.hostPath}/payload.txt`), hash, "data intact");
      const pv = await world.kube.readPersistentVolume(spec.pvName);
      assert.equal((pv?.spec.capacity as { storage: string }).storage, `${c.want}Mi`);
      const status = (await claims.readClaim(spec.claim.namespace, spec.claim.name))!
        .status as Record<string, unknown>;
      assert.deepEqual(status.capacity, { storage: `${c.want}Mi` });

      // Running the two node steps again is harmless: lvm2 and the filesystem are at size.
      const deps = { exec: ctx.exec, kube: world.kube, claims };
      await lvextend.do(resize, deps);
      await growFs.do(resize, deps);
      assert.equal(await statfsBytes(ctx, spec.mountPoint), after, "second grow is a no-op");

      await teardownOk(ctx, spec, world);
    },
  })),
  {
    name: "resize: VG full fails with lvm2's stderr; LV, filesystem and data unchanged",
    async fn(ctx) {
      const spec = await planSpec(ctx.exec, {
        name: "grow-full",
        uid: testUid(0x610),
        storage: "8Mi",
        vgs: ["vgsmall"],
      });
      const world = await provisionOk(ctx, spec);
      const hash = await writeAndReadBack(ctx, spec);
      const before = await statfsBytes(ctx, spec.mountPoint);
      const { result, claims } = await grow(ctx, world, spec, "64Mi");
      assert.ok(result.status === "failed", "the expansion fails");
      assert.ok(result.infeasible, "a full VG is infeasible");
      console.log(`VG full: ${result.message}`);
      assert.match(
        result.message,
        /lvextend --yes --size 67108864b vgsmall\/pvc-\S+ failed with exit code 5: Insufficient free space: \d+ extents needed, but only \d+ available/,
      );
      assert.equal(await lvBytes(ctx, spec), spec.sizeBytes, "LV unchanged");
      assert.equal(await statfsBytes(ctx, spec.mountPoint), before, "filesystem unchanged");
      assert.equal(await guestSha256(ctx, `${spec.hostPath}/payload.txt`), hash, "data intact");
      const status = (await claims.readClaim(spec.claim.namespace, spec.claim.name))!
        .status as Record<string, unknown>;
      assert.deepEqual(status.allocatedResourceStatuses, { storage: "ControllerResizeInfeasible" });
      await teardownOk(ctx, spec, world);
    },
  },
];
