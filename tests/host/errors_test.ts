import assert from "node:assert/strict";
import {
  isBusy,
  isDirNotEmpty,
  isLvExists,
  isLvNotFound,
  isNoSuchFile,
  isNotMounted,
  isUnitFileMissing,
  isVgFull,
  isVgNotFound,
} from "../../src/host/errors.ts";
import { CommandError } from "../../src/host/executor.ts";
import { lvcreate, MIB, mountedVolume, must, newHost } from "./helpers.ts";

const PREDICATES = {
  isLvNotFound,
  isVgNotFound,
  isVgFull,
  isLvExists,
  isNotMounted,
  isBusy,
  isNoSuchFile,
  isDirNotEmpty,
  isUnitFileMissing,
};
type Name = keyof typeof PREDICATES;

/** Real failures, produced by the simulated host, and the one predicate each must satisfy. */
Deno.test("each failure is recognised by exactly its predicate", async () => {
  const host = newHost();
  await mountedVolume(host, "pvc-1");
  await must(host, ["mkdir", "-p", "/data/full/x"]);
  const cases: [string[], Name][] = [
    [["lvremove", "--yes", "vg0/none"], "isLvNotFound"],
    [
      ["lvs", "--reportformat", "json", "--units", "b", "--nosuffix", "-o", "lv_name", "vg0/x"],
      "isLvNotFound",
    ],
    [["lvremove", "--yes", "vgX/none"], "isVgNotFound"],
    [lvcreate("a", 8 * MIB, "vgX"), "isVgNotFound"],
    [lvcreate("a", 800 * MIB, "vg-small"), "isVgFull"],
    [["lvextend", "--yes", "--size", `${2048 * MIB}b`, "vg0/pvc-1"], "isVgFull"],
    [lvcreate("pvc-1", 8 * MIB), "isLvExists"],
    [["umount", "/data"], "isNotMounted"],
    [["umount", "/data/none"], "isNotMounted"],
    [["lvremove", "--yes", "vg0/pvc-1"], "isBusy"],
    [["rmdir", "/data/pvc-1"], "isBusy"],
    [["rmdir", "/data/none"], "isNoSuchFile"],
    [["tee", "/data/none/f"], "isNoSuchFile"],
    [["rmdir", "/data/full"], "isDirNotEmpty"],
    [["systemctl", "disable", "x.mount"], "isUnitFileMissing"],
    [["systemctl", "enable", "x.mount"], "isUnitFileMissing"],
    [["systemctl", "is-enabled", "x.mount"], "isUnitFileMissing"],
  ];
  const release = host.hold("/data/pvc-1");
  const busy = await host.run(["umount", "/data/pvc-1"]);
  release();
  assert.ok(isBusy(new CommandError(["umount", "/data/pvc-1"], busy.code, busy.stderr)));
  for (const [argv, name] of cases) {
    const r = await host.run(argv);
    assert.notEqual(r.code, 0, argv.join(" "));
    const error = new CommandError(argv, r.code, r.stderr, r.stdout);
    for (const [other, predicate] of Object.entries(PREDICATES)) {
      assert.equal(predicate(error), other === name, `${other} on ${argv.join(" ")}: ${r.stderr}`);
    }
  }
});

Deno.test("predicates ignore other errors, other binaries and other codes", () => {
  const text = '  Failed to find logical volume "vg0/a"\n';
  assert.equal(isLvNotFound(new Error(text)), false);
  assert.equal(isLvNotFound(undefined), false);
  assert.equal(isLvNotFound(new CommandError(["rmdir", "x"], 5, text)), false);
  assert.equal(isLvNotFound(new CommandError(["lvremove", "vg0/a"], 3, text)), false);
  assert.equal(isLvNotFound(new CommandError(["lvremove", "vg0/a"], 5, text)), true);
});
