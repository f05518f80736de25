import assert from "node:assert/strict";
import { must, newHost } from "./helpers.ts";

const UNIT = "data-pvc\\x2d1.mount";
const PATH = `/etc/systemd/system/${UNIT}`;
const TEXT = "[Unit]\nDescription=x\n[Mount]\nWhat=/dev/vg0/pvc-1\nWhere=/data/pvc-1\n" +
  "[Install]\nWantedBy=local-fs.target\nRequiredBy=kubelet.service\n";
const WANTS = `/etc/systemd/system/local-fs.target.wants/${UNIT}`;
const REQUIRES = `/etc/systemd/system/kubelet.service.requires/${UNIT}`;

Deno.test("a unit's life: install, reload, enable, is-enabled, disable, remove", async () => {
  const host = newHost();
  const systemctl = (...args: string[]) => host.run(["systemctl", ...args]);
  assert.deepEqual(await systemctl("is-enabled", UNIT), {
    code: 1,
    stdout: "",
    stderr: `Failed to get unit file state for ${UNIT}: No such file or directory\n`,
  });
  await must(host, ["tee", PATH], TEXT);
  assert.equal(host.unitFilesChanged, true);
  assert.deepEqual(await systemctl("daemon-reload"), { code: 0, stdout: "", stderr: "" });
  assert.equal(host.daemonReloads, 1);
  assert.equal(host.unitFilesChanged, false);
  assert.deepEqual(await systemctl("is-enabled", UNIT), {
    code: 1,
    stdout: "disabled\n",
    stderr: "",
  });

  assert.deepEqual(await systemctl("enable", UNIT), {
    code: 0,
    stdout: "",
    stderr: `Created symlink ${WANTS} -> ${PATH}.\nCreated symlink ${REQUIRES} -> ${PATH}.\n`,
  });
  assert.equal(host.daemonReloads, 2, "enable reloads the daemon itself");
  assert.deepEqual(host.unitFiles(), {
    [UNIT]: { content: TEXT, links: [REQUIRES, WANTS].sort() },
  });
  assert.deepEqual(host.snapshot().files[WANTS], { type: "symlink", target: PATH });
  assert.deepEqual(await systemctl("enable", UNIT), { code: 0, stdout: "", stderr: "" });
  assert.deepEqual(await systemctl("is-enabled", UNIT), {
    code: 0,
    stdout: "enabled\n",
    stderr: "",
  });

  assert.deepEqual(await systemctl("disable", UNIT), {
    code: 0,
    stdout: "",
    stderr: `Removed "${REQUIRES}".\nRemoved "${WANTS}".\n`,
  });
  assert.deepEqual(await systemctl("disable", UNIT), { code: 0, stdout: "", stderr: "" });
  assert.equal(host.exists(WANTS), false);
  await must(host, ["rm", "-f", PATH]);
  assert.equal(host.unitFilesChanged, true);
  assert.deepEqual(host.unitFiles(), {});
});

Deno.test("enable/disable of a missing unit file fail as systemd 252 does over the bus", async () => {
  const host = newHost();
  assert.deepEqual(await host.run(["systemctl", "enable", "nope.mount"]), {
    code: 1,
    stdout: "",
    stderr: "Failed to enable unit: Unit file nope.mount does not exist.\n",
  });
  assert.deepEqual(await host.run(["systemctl", "disable", "nope.mount"]), {
    code: 1,
    stdout: "",
    stderr: "Failed to disable unit: Unit file nope.mount does not exist.\n",
  });
  assert.equal(host.daemonReloads, 0);
});

Deno.test("disable removes links left behind by a deleted unit file", async () => {
  const host = newHost();
  await must(host, ["tee", PATH], TEXT);
  await must(host, ["systemctl", "enable", UNIT]);
  await must(host, ["rm", "-f", PATH]);
  const r = await host.run(["systemctl", "disable", UNIT]);
  assert.equal(r.code, 0);
  assert.equal(r.stderr, `Removed "${REQUIRES}".\nRemoved "${WANTS}".\n`);
});

Deno.test("a unit without [Install] is static and enabling it only warns", async () => {
  const host = newHost();
  await must(
    host,
    ["tee", "/etc/systemd/system/s.mount"],
    "[Mount]\nWhat=/x\n[Install]\nWantedBy=\n",
  );
  assert.deepEqual(await host.run(["systemctl", "is-enabled", "s.mount"]), {
    code: 0,
    stdout: "static\n",
    stderr: "",
  });
  const r = await host.run(["systemctl", "enable", "s.mount"]);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /^The unit files have no installation config/);
});

Deno.test("--no-reload: enable and disable make and remove the links, systemd reloads nothing", async () => {
  const host = newHost();
  await must(host, ["tee", PATH], TEXT);
  assert.deepEqual(await host.run(["systemctl", "enable", "--no-reload", UNIT]), {
    code: 0,
    stdout: "",
    stderr: `Created symlink ${WANTS} -> ${PATH}.\nCreated symlink ${REQUIRES} -> ${PATH}.\n`,
  });
  assert.equal(host.daemonReloads, 0);
  assert.equal(host.unitFilesChanged, true, "the file written is not reloaded");
  assert.equal((await host.run(["systemctl", "is-enabled", UNIT])).stdout, "enabled\n");
  assert.deepEqual(await host.run(["systemctl", "disable", "--no-reload", UNIT]), {
    code: 0,
    stdout: "",
    stderr: `Removed "${REQUIRES}".\nRemoved "${WANTS}".\n`,
  });
  assert.equal(host.daemonReloads, 0);
  assert.equal(host.exists(WANTS), false);
  assert.deepEqual(await host.run(["systemctl", "disable", "--no-reload", "nope.mount"]), {
    code: 1,
    stdout: "",
    stderr: "Failed to disable unit: Unit file nope.mount does not exist.\n",
  });
});
