/**
 * The fault matrix on the simulated host: a failure in each step, and a process death
 * before and after every effect, while provisioning and while tearing down. After each,
 * a restarted agent (new engine, new reservation book, same journal, same node) must
 * converge: to a fully provisioned volume, or to nothing left at all.
 */
import assert from "node:assert/strict";
import { SagaHalted } from "../../src/saga/mod.ts";
import { ReservationBook } from "../../src/provision/reservations.ts";
import {
  assertNothingLeft,
  assertProvisioned,
  engineFor,
  newWorld,
  type World,
} from "./harness.ts";

const READS = new Set(["lvs", "vgs", "blkid", "findmnt"]);
const isMutating = (argv: readonly string[]) => !READS.has(argv[0]);
const sameArgv = (a: readonly string[]) => (b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** The mutating commands of a clean provisioning and of a clean teardown, in order. */
async function cleanRunCommands(): Promise<{ provision: string[][]; teardown: string[][] }> {
  const w = await newWorld();
  await engineFor(w).run(w.spec.pvName, w.spec);
  const provision = w.host.log.map((e) => e.argv).filter(isMutating);
  const before = w.host.log.length;
  await engineFor(w).teardown(w.spec.pvName, w.spec);
  const teardown = w.host.log.slice(before).map((e) => e.argv).filter(isMutating);
  return { provision, teardown };
}

/** Which occurrence of this exact argv the command is, counting from 1. */
function occurrence(list: string[][], index: number): number {
  return list.slice(0, index + 1).filter(sameArgv(list[index])).length;
}

/** A restarted agent: the old process's in-memory holds are gone. */
function restart(w: World): World {
  w.host.clearFaults();
  w.reservations = new ReservationBook();
  return w;
}

Deno.test("a clean provisioning and teardown leave the node as it was", async () => {
  const w = await newWorld();
  const outcome = await engineFor(w).run(w.spec.pvName, w.spec);
  assert.equal(outcome.status, "completed");
  await assertProvisioned(w);
  assert.equal((await engineFor(w).teardown(w.spec.pvName, w.spec)).status, "torn-down");
  await assertNothingLeft(w);
});

const STEP_FAILURES: [string, (w: World) => void, RegExp][] = [
  [
    "reserve-vg",
    (w) =>
      w.host.failOn(["vgs"], {
        code: 5,
        stderr: '  Volume group "vg0" not found\n  Cannot process volume group vg0\n',
      }),
    /Volume group "vg0" not found/,
  ],
  [
    "lvcreate",
    (w) =>
      w.host.failOn(["lvcreate"], {
        code: 5,
        stderr: '  Volume group "vg0" has insufficient free space (1 extents): 2 required.\n',
      }),
    /insufficient free space/,
  ],
  [
    "mkfs",
    (w) =>
      w.host.failOn(["mkfs.ext4"], {
        code: 1,
        stderr: "mkfs.ext4: Device size reported to be zero.\n",
      }),
    /Device size reported to be zero/,
  ],
  [
    "mount",
    (w) =>
      w.host.failOn(["mount"], {
        code: 32,
        stderr: "mount: /data/x: wrong fs type, bad option, bad superblock.\n",
      }),
    /wrong fs type/,
  ],
  [
    "systemd-unit",
    (w) =>
      w.host.failOn(["systemctl", "enable"], {
        code: 1,
        stderr: "Failed to enable unit: Access denied\n",
      }),
    /Access denied/,
  ],
  [
    "write-pv",
    (
      w,
    ) => (w.kube.failNext = {
      op: "create",
      error: new Error("the server is currently unable to handle the request"),
    }),
    /unable to handle/,
  ],
];

for (const [step, inject, message] of STEP_FAILURES) {
  Deno.test(`a failure in ${step} rolls everything back with the real error`, async () => {
    const w = await newWorld();
    inject(w);
    const outcome = await engineFor(w).run(w.spec.pvName, w.spec);
    assert.equal(outcome.status, "rolled-back");
    if (outcome.status === "rolled-back") assert.match(outcome.error.message, message);
    await assertNothingLeft(w, step);
  });
}

const UNDO_FAILURES: [string, (w: World) => void][] = [
  [
    "systemd-unit",
    (w) =>
      w.host.failOn(["systemctl", "disable"], {
        code: 1,
        stderr: "Failed to disable unit: Access denied\n",
        times: 5,
      }),
  ],
  ["mount (busy)", (w) => w.host.hold(w.spec.mountPoint)],
  [
    "lvcreate",
    (w) =>
      w.host.failOn(["lvremove"], {
        code: 5,
        stderr: "  Logical volume vg0/x in use.\n",
        times: 5,
      }),
  ],
  [
    "write-pv",
    (
      w,
    ) => (w.kube.failNext = {
      op: "delete",
      error: new Error("etcdserver: request timed out"),
      times: 5,
    }),
  ],
];

for (const [step, inject] of UNDO_FAILURES) {
  Deno.test(`a teardown failing in ${step} is reported stuck, and a retry finishes it`, async () => {
    const w = await newWorld();
    await engineFor(w).run(w.spec.pvName, w.spec);
    inject(w);
    const outcome = await engineFor(w).teardown(w.spec.pvName, w.spec);
    assert.equal(outcome.status, "stuck", step);
    assert.equal((await w.journal.list()).length, 1, "the teardown stays journaled");
    if (step === "mount (busy)") {
      assert.match(
        String(outcome.status === "stuck" && outcome.error.message),
        /is busy: a process still uses it/,
      );
      w.host.release(w.spec.mountPoint);
    }
    restart(w);
    w.kube.failNext = undefined;
    const [record] = await w.journal.list();
    assert.equal((await engineFor(w).continue(record as never)).status, "torn-down");
    await assertNothingLeft(w, step);
  });
}

Deno.test("a PV that already exists for this claim counts as done; for another claim it fails", async () => {
  const w = await newWorld();
  await engineFor(w).run(w.spec.pvName, w.spec);
  // Running the whole saga again finds every step already done.
  assert.equal((await engineFor(w).run(w.spec.pvName, w.spec)).status, "completed");
  await assertProvisioned(w);

  const other = await newWorld();
  const pv = (await w.kube.readPersistentVolume(w.spec.pvName))!;
  pv.spec.claimRef = { ...pv.spec.claimRef, uid: "someone-else" };
  await other.kube.inner.createPersistentVolume(pv);
  const outcome = await engineFor(other).run(other.spec.pvName, other.spec);
  assert.equal(outcome.status, "rolled-back");
  if (outcome.status === "rolled-back") {
    assert.match(outcome.error.message, /already exists for another claim/);
  }
  assert.ok(
    await other.kube.readPersistentVolume(other.spec.pvName),
    "someone else's PV is left alone",
  );
});

Deno.test("a crash before or after every effect converges after restart", async () => {
  const clean = await cleanRunCommands();
  let cases = 0;
  const failures: string[] = [];

  const crashCase = async (
    phase: "provision" | "teardown",
    label: string,
    arm: (w: World, abort: () => void) => void,
    recoverTo: "forward" | "backward",
  ) => {
    const w = await newWorld();
    if (phase === "teardown") await engineFor(w).run(w.spec.pvName, w.spec);
    const controller = new AbortController();
    arm(w, () => controller.abort());
    const engine = engineFor(w, controller.signal);
    const run = phase === "provision"
      ? engine.run(w.spec.pvName, w.spec)
      : engine.teardown(w.spec.pvName, w.spec);
    await assert.rejects(run, SagaHalted, `${label} should crash`);
    restart(w);
    const [record] = await w.journal.list();
    assert.ok(record, `${label}: the journal holds the saga`);
    await engineFor(w).continue(record as never, recoverTo);
    try {
      if (recoverTo === "forward") await assertProvisioned(w, label);
      else await assertNothingLeft(w, label);
    } catch (error) {
      failures.push(`${label}: ${(error as Error).message}`);
    }
    cases++;
  };

  for (
    const [phase, commands] of Object.entries(clean) as ["provision" | "teardown", string[][]][]
  ) {
    for (let i = 0; i < commands.length; i++) {
      for (const when of ["before", "after"] as const) {
        const argv = commands[i];
        const nth = occurrence(commands, i);
        const arm = (w: World, abort: () => void) =>
          w.host.crashOn(sameArgv(argv), when, { nth, onCrash: abort });
        const directions = phase === "provision"
          ? ["forward", "backward"] as const
          : ["backward"] as const;
        for (const to of directions) {
          await crashCase(
            phase,
            `${phase}: crash ${when} ${argv.join(" ")} (#${nth}), recover ${to}`,
            arm,
            to,
          );
        }
      }
    }
    // The API call of write-pv is an effect too.
    const op = phase === "provision" ? "create" : "delete";
    for (const when of ["before", "after"] as const) {
      const arm = (w: World, abort: () => void) => (w.kube.crashNext = { op, when, abort });
      const directions = phase === "provision"
        ? ["forward", "backward"] as const
        : ["backward"] as const;
      for (const to of directions) {
        await crashCase(phase, `${phase}: crash ${when} PV ${op}, recover ${to}`, arm, to);
      }
    }
  }
  console.log(
    `fault matrix (simulated host): ${cases - failures.length} of ${cases} crash cases converge`,
  );
  assert.deepEqual(failures, []);
  assert.ok(cases >= 40, `expected a full matrix, got ${cases} cases`);
});
