/**
 * Real failures from real tools: each surfaces with the tool's own stderr and leaves
 * nothing behind (or, for a busy mount at teardown, stays journaled with a clear error
 * until the holder goes away, and then finishes).
 *
 * @module
 */

import assert from "node:assert/strict";
import { CommandError, type Executor } from "../../src/host/executor.ts";
import { isBusy, isVgFull, isVgNotFound } from "../../src/host/errors.ts";
import type { SagaOutcome, SagaRecord } from "../../src/saga/types.ts";
import type { VolumeSpec } from "../../src/volume.ts";
import {
  engineFor,
  type GuestContext,
  newWorld,
  planSpec,
  sh,
  testUid,
  type TierCase,
  type World,
} from "./context.ts";
import { assertNothingLeftOnGuest, readVolumeState } from "./node_state.ts";
import { provisionOk } from "./provision_cases.ts";

/** The first CommandError in an error's cause chain. */
export function commandErrorIn(error: unknown): CommandError | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (e instanceof CommandError) return e;
  }
  return undefined;
}

function errorOf(outcome: SagaOutcome): Error {
  assert.ok("error" in outcome, `expected a failure, got ${outcome.status}`);
  return outcome.error;
}

/** Runs a claim that must fail, and checks the rollback left nothing. */
async function failsCleanly(
  ctx: GuestContext,
  spec: VolumeSpec,
  exec?: Executor,
): Promise<Error> {
  const world = newWorld();
  const outcome = await engineFor(ctx, world, exec).run(spec.pvName, spec);
  assert.equal(outcome.status, "rolled-back", `${spec.claim.name}: ${outcome.status}`);
  await assertNothingLeftOnGuest(ctx, spec, world);
  return errorOf(outcome);
}

/** An executor that runs `hook` once, right after the first command matching `when`. */
function afterFirst(
  inner: Executor,
  when: (argv: readonly string[]) => boolean,
  hook: () => Promise<void>,
): Executor {
  let fired = false;
  return {
    async run(argv, options) {
      const result = await inner.run(argv, options);
      if (!fired && when(argv)) {
        fired = true;
        await hook();
      }
      return result;
    },
  };
}

const FILLER = ["lvcreate", "--yes", "--name", "filler", "--size", "8m", "vgsmall"];
const REMOVE_FILLER = ["lvremove", "--yes", "vgsmall/filler"];

export const failureCases: TierCase[] = [
  {
    name: "VG full when the saga starts: reserve-vg refuses with the real free space",
    async fn(ctx) {
      const spec = await planSpec(ctx.exec, {
        name: "full",
        uid: testUid(0x200),
        storage: "8Mi",
        vgs: ["vgsmall"],
      });
      await sh(ctx, FILLER);
      try {
        const error = await failsCleanly(ctx, spec);
        assert.match(
          error.message,
          /^Volume group vgsmall on node guest-node cannot hold 8 MiB for pvc-\S+: 4 MiB free, 0 B held by other claims$/,
        );
      } finally {
        await sh(ctx, REMOVE_FILLER);
      }
    },
  },
  {
    name: "VG filled between the check and lvcreate: lvcreate's own stderr, full rollback",
    async fn(ctx) {
      const spec = await planSpec(ctx.exec, {
        name: "race",
        uid: testUid(0x201),
        storage: "8Mi",
        vgs: ["vgsmall"],
      });
      // Someone else's lvcreate lands right after reserve-vg's `vgs`.
      const exec = afterFirst(
        ctx.exec,
        (a) => a[0] === "vgs",
        () => sh(ctx, FILLER).then(() => {}),
      );
      try {
        const error = await failsCleanly(ctx, spec, exec);
        assert.ok(isVgFull(error), `classified as VG full: ${error.message}`);
        assert.match(
          error.message,
          /^Command lvcreate .* failed with exit code 5: Volume group "vgsmall" has insufficient free space \(1 extents\): 2 required\.$/,
        );
      } finally {
        await sh(ctx, REMOVE_FILLER);
      }
    },
  },
  {
    name: "a VG that does not exist: vgs's own stderr, nothing created",
    async fn(ctx) {
      const planned = await planSpec(ctx.exec, {
        name: "novg",
        uid: testUid(0x202),
        storage: "8Mi",
      });
      const error = await failsCleanly(ctx, { ...planned, vg: "vgmissing" });
      assert.ok(isVgNotFound(error), `classified as VG not found: ${error.message}`);
      assert.match(error.message, /Volume group "vgmissing" not found/);
    },
  },
  {
    name: "xfs on a volume below 300 MB: mkfs.xfs's own stderr, the LV is removed again",
    async fn(ctx) {
      const spec = await planSpec(ctx.exec, {
        name: "smallxfs",
        uid: testUid(0x203),
        storage: "16Mi",
        fsType: "xfs",
      });
      const error = await failsCleanly(ctx, spec);
      assert.match(
        error.message,
        /^Command mkfs\.xfs .* failed with exit code 1: Filesystem must be larger than 300MB\./,
      );
    },
  },
  {
    name: "a busy mount point at teardown: stuck with a clear error, then the retry finishes",
    async fn(ctx) {
      const spec = await planSpec(ctx.exec, {
        name: "busy",
        uid: testUid(0x204),
        storage: "8Mi",
      });
      const world: World = await provisionOk(ctx, spec);
      const holder = `hold-${spec.claim.uid.slice(-6)}`;
      // Type=exec: systemd-run returns once sleep runs, so its cwd is already inside.
      await sh(ctx, [
        "systemd-run",
        `--unit=${holder}`,
        "--property=Type=exec",
        `--working-directory=${spec.hostPath}`,
        "sleep",
        "600",
      ]);
      let stopped = false;
      try {
        const outcome = await engineFor(ctx, world).teardown(spec.pvName, spec);
        assert.equal(outcome.status, "stuck");
        const error = errorOf(outcome);
        assert.match(
          error.message,
          /Mount point \/volumes\/pvc-\S+ on node guest-node is busy: a process still uses it/,
        );
        const cause = commandErrorIn(error);
        assert.ok(cause && isBusy(cause), `the real umount error is kept: ${cause?.message}`);
        assert.match(cause.stderr, /^umount: \/volumes\/pvc-\S+: target is busy\.$/m);
        const left = await readVolumeState(ctx, spec);
        assert.ok(left.mount && left.lv, "still mounted, LV kept");
        assert.ok(await world.kube.readPersistentVolume(spec.pvName), "PV kept until the end");
        const records = await world.journal.list();
        assert.equal(records.length, 1, "the teardown stays journaled");

        await sh(ctx, ["systemctl", "stop", holder]);
        stopped = true;
        const retry = await engineFor(ctx, world).continue(records[0] as SagaRecord<VolumeSpec>);
        assert.equal(retry.status, "torn-down");
        await assertNothingLeftOnGuest(ctx, spec, world);
      } finally {
        if (!stopped) await ctx.probe.run(["systemctl", "stop", holder]);
      }
    },
  },
];
