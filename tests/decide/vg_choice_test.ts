import assert from "node:assert/strict";
import {
  chooseVg,
  type Reservation,
  type VgChoiceInput,
  type VgReport,
} from "../../src/decide/vg_choice.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

function vg(name: string, freeBytes: number, extentBytes = 4 * MiB): VgReport {
  return { name, sizeBytes: 100 * GiB, freeBytes, extentBytes };
}

function input(over: Partial<VgChoiceInput>): VgChoiceInput {
  return {
    node: "n1",
    configuredVgs: ["vg0", "vg1"],
    reports: [vg("vg0", 10 * GiB), vg("vg1", 20 * GiB)],
    reservations: [],
    requestBytes: 1 * GiB,
    policy: "most-free",
    ...over,
  };
}

interface Case {
  name: string;
  over: Partial<VgChoiceInput>;
  vg?: string;
  size?: number;
  why?: string | RegExp;
  code?: "no-vgs" | "vgs-missing" | "no-fit";
  error?: string;
}

const res = (vgName: string, bytes: number): Reservation => ({ vg: vgName, bytes });

const CASES: Case[] = [
  {
    name: "no VGs configured",
    over: { configuredVgs: [] },
    code: "no-vgs",
    error: "no local volume group available on node n1",
  },
  {
    name: "the only configured VG is missing",
    over: { configuredVgs: ["vgX"] },
    code: "vgs-missing",
    error: "volume group vgX from the config does not exist on node n1",
  },
  {
    name: "every configured VG is missing",
    over: { configuredVgs: ["vgX", "vgY"], reports: [vg("vg0", GiB)] },
    code: "vgs-missing",
    error: "volume groups vgX, vgY from the config do not exist on node n1",
  },
  {
    name: "no VGs on the node at all",
    over: { reports: [] },
    code: "vgs-missing",
    error: "volume groups vg0, vg1 from the config do not exist on node n1",
  },
  {
    name: "most-free picks the VG with the most space",
    over: {},
    vg: "vg1",
    size: GiB,
    why: "vg1 has the most free space (20 GiB free) among vg0, vg1",
  },
  {
    name: "most-free counts reservations",
    over: { reservations: [res("vg1", 11 * GiB), res("vg0", 0)] },
    vg: "vg0",
    why: "vg0 has the most free space (10 GiB free after 1 reservation) among vg0, vg1",
  },
  {
    name: "reservations on VGs outside the config are ignored",
    over: { reservations: [res("vg9", 100 * GiB)] },
    vg: "vg1",
    why: "vg1 has the most free space (20 GiB free) among vg0, vg1",
  },
  {
    name: "most-free ties go to the earlier config entry",
    over: { reports: [vg("vg1", 5 * GiB), vg("vg0", 5 * GiB)] },
    vg: "vg0",
  },
  {
    name: "most-free ties follow the config order, not the report order",
    over: { configuredVgs: ["vg1", "vg0"], reports: [vg("vg0", 5 * GiB), vg("vg1", 5 * GiB)] },
    vg: "vg1",
  },
  {
    name: "least-free picks the smallest VG that fits",
    over: {
      policy: "least-free",
      configuredVgs: ["vg0", "vg1", "vg2"],
      reports: [vg("vg0", 10 * GiB), vg("vg1", 20 * GiB), vg("vg2", 512 * MiB)],
    },
    vg: "vg0",
    why: "vg0 has the least free space that fits 1 GiB (10 GiB free) among vg0, vg1; " +
      "too small: vg2 (512 MiB free)",
  },
  {
    name: "least-free ties go to the earlier config entry",
    over: { policy: "least-free", reports: [vg("vg0", 5 * GiB), vg("vg1", 5 * GiB)] },
    vg: "vg0",
  },
  {
    name: "random with 0 picks the first fitting VG",
    over: { policy: "random", random: () => 0 },
    vg: "vg0",
    why: "vg0 was picked at random (10 GiB free) among vg0, vg1",
  },
  {
    name: "random with 0.99 picks the last fitting VG",
    over: { policy: "random", random: () => 0.99 },
    vg: "vg1",
  },
  {
    name: "random with an out-of-range 1 still picks a VG",
    over: { policy: "random", random: () => 1 },
    vg: "vg1",
  },
  {
    name: "random chooses among fitting VGs only",
    over: {
      policy: "random",
      random: () => 0.6,
      configuredVgs: ["vg0", "small", "vg1", "vg2"],
      reports: [vg("vg0", GiB), vg("small", MiB), vg("vg1", GiB), vg("vg2", GiB)],
    },
    vg: "vg1",
    why: "vg1 was picked at random (1 GiB free) among vg0, vg1, vg2; too small: small (1 MiB free)",
  },
  {
    name: "some configured VGs are missing: ignored but mentioned",
    over: { configuredVgs: ["vgX", "vg0", "vg1"] },
    vg: "vg1",
    why: "vg1 has the most free space (20 GiB free) among vg0, vg1; not on node n1: vgX",
  },
  {
    name: "a single fitting VG",
    over: { configuredVgs: ["vg0"], requestBytes: 5 * MiB },
    vg: "vg0",
    size: 8 * MiB,
    why: "vg0 is the only volume group that can fit 8 MiB (10 GiB free)",
  },
  {
    name: "the extent size decides: 32 MiB extents cannot fit 5 MiB in 16 MiB",
    over: {
      reports: [vg("vg0", 16 * MiB, 32 * MiB), vg("vg1", 8 * MiB, 4 * MiB)],
      requestBytes: 5 * MiB,
    },
    vg: "vg1",
    size: 8 * MiB,
    why:
      "vg1 is the only volume group that can fit 8 MiB (8 MiB free); too small: vg0 (16 MiB free)",
  },
  {
    name: "a VG that fits exactly is used",
    over: { configuredVgs: ["vg0"], reports: [vg("vg0", 8 * MiB)], requestBytes: 5 * MiB },
    vg: "vg0",
    size: 8 * MiB,
  },
  {
    name: "the 4 MiB minimum counts against free space",
    over: { configuredVgs: ["vg0"], reports: [vg("vg0", 3 * MiB)], requestBytes: 1 },
    code: "no-fit",
    error: "no volume group can fit 4 MiB (largest free: 3 MiB in vg0)",
  },
  {
    name: "nothing fits",
    over: { reports: [vg("vg0", 256 * MiB), vg("vg1", 512 * MiB)], requestBytes: 2 * GiB },
    code: "no-fit",
    error: "no volume group can fit 2 GiB (largest free: 512 MiB in vg1)",
  },
  {
    name: "nothing fits because of reservations",
    over: {
      reports: [vg("vg0", 256 * MiB), vg("vg1", 3 * GiB)],
      reservations: [res("vg1", 1 * GiB), res("vg1", 1 * GiB + 512 * MiB)],
      requestBytes: 2 * GiB,
    },
    code: "no-fit",
    error: "no volume group can fit 2 GiB (largest free: 512 MiB in vg1 after 2 reservations)",
  },
  {
    name: "reservations beyond the free space leave zero, not a negative size",
    over: { configuredVgs: ["vg0"], reservations: [res("vg0", 20 * GiB)] },
    code: "no-fit",
    error: "no volume group can fit 1 GiB (largest free: 0 B in vg0 after 1 reservation)",
  },
  {
    name: "sizes that read the same are shown in bytes",
    over: {
      configuredVgs: ["vg0"],
      reports: [vg("vg0", GiB + MiB)], // reads "1 GiB"
      requestBytes: GiB + 2 * MiB, // rounds to 1 GiB + 4 MiB, also "1 GiB"
    },
    code: "no-fit",
    error: "no volume group can fit 1077936128 bytes (largest free: 1074790400 bytes in vg0)",
  },
  {
    name: "missing VGs are mentioned when nothing fits",
    over: { configuredVgs: ["vg0", "vgX"], reports: [vg("vg0", MiB)] },
    code: "no-fit",
    error: "no volume group can fit 1 GiB (largest free: 1 MiB in vg0); not on node n1: vgX",
  },
  {
    name: "the largest safe request fits nowhere and does not throw",
    over: { requestBytes: Number.MAX_SAFE_INTEGER },
    code: "no-fit",
    error: "no volume group can fit 7.99 PiB (largest free: 20 GiB in vg1)",
  },
];

Deno.test("chooseVg decision table", () => {
  for (const c of CASES) {
    const got = chooseVg(input(c.over));
    if (c.code !== undefined) {
      assert.deepEqual(got, { ok: false, code: c.code, error: c.error }, c.name);
      continue;
    }
    assert.ok(got.ok, `${c.name}: ${JSON.stringify(got)}`);
    assert.equal(got.vg, c.vg, c.name);
    if (c.size !== undefined) assert.equal(got.sizeBytes, c.size, c.name);
    if (typeof c.why === "string") assert.equal(got.why, c.why, c.name);
    const report = input(c.over).reports.find((r) => r.name === got.vg);
    assert.equal(got.extentBytes, report?.extentBytes, c.name);
    assert.equal(got.sizeBytes % got.extentBytes, 0, c.name);
  }
});

Deno.test("chooseVg random policy is uniform over the fitting VGs", () => {
  const seen = new Map<string, number>();
  const n = 300;
  for (let i = 0; i < n; i++) {
    const r = chooseVg(input({
      policy: "random",
      random: () => i / n,
      configuredVgs: ["vg0", "vg1", "vg2"],
      reports: [vg("vg0", GiB), vg("vg1", GiB), vg("vg2", GiB)],
    }));
    assert.ok(r.ok);
    seen.set(r.vg, (seen.get(r.vg) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries(seen), { vg0: 100, vg1: 100, vg2: 100 });
});
