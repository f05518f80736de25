import assert from "node:assert/strict";
import {
  parseBlkidExport,
  parseFindmnt,
  parseLvsReport,
  parseVgsReport,
  ReportParseError,
} from "../../src/host/lvm_report.ts";

// Layout as lvm2 2.03 prints it (see lvmreport(7)).
const VGS_SAMPLE = `  {
      "report": [
          {
              "vg": [
                  {"vg_name":"vg0", "vg_size":"1069547520", "vg_free":"1061158912", "vg_extent_size":"4194304", "vg_extent_count":"255", "vg_free_count":"253"},
                  {"vg_name":"vg1", "vg_size":"10733223936", "vg_free":"0", "vg_extent_size":"33554432", "vg_extent_count":"319", "vg_free_count":"0"}
              ]
          }
      ]
  }
`;

const LVS_SAMPLE = `  {
      "report": [
          {
              "lv": [
                  {"lv_name":"pvc-1", "vg_name":"vg0", "lv_size":"8388608", "lv_tags":"local-lvm-provisioner,mount=/data,pvname=default-c1", "lv_path":"/dev/vg0/pvc-1", "lv_attr":"-wi-ao----"},
                  {"lv_name":"root", "vg_name":"vg1", "lv_size":"10733223936", "lv_tags":"", "lv_path":"/dev/vg1/root", "lv_attr":"-wi-------"}
              ]
          }
      ]
  }
`;

// Captured from util-linux 2.38.1.
const FINDMNT_SAMPLE = `{
   "filesystems": [
      {
         "target": "/data/pvc-1",
         "source": "/dev/mapper/vg0-pvc--1",
         "fstype": "ext4",
         "options": "rw,relatime"
      }
   ]
}
`;

Deno.test("vgs report: numbers become numbers", () => {
  assert.deepEqual(parseVgsReport(VGS_SAMPLE), [
    {
      name: "vg0",
      sizeBytes: 1069547520,
      freeBytes: 1061158912,
      extentBytes: 4194304,
      extentCount: 255,
      freeExtents: 253,
    },
    {
      name: "vg1",
      sizeBytes: 10733223936,
      freeBytes: 0,
      extentBytes: 33554432,
      extentCount: 319,
      freeExtents: 0,
    },
  ]);
});

Deno.test("lvs report: tags become a list, lv_attr gives active and open", () => {
  assert.deepEqual(parseLvsReport(LVS_SAMPLE), [
    {
      name: "pvc-1",
      vg: "vg0",
      sizeBytes: 8388608,
      tags: ["local-lvm-provisioner", "mount=/data", "pvname=default-c1"],
      path: "/dev/vg0/pvc-1",
      attr: "-wi-ao----",
      active: true,
      open: true,
    },
    {
      name: "root",
      vg: "vg1",
      sizeBytes: 10733223936,
      tags: [],
      path: "/dev/vg1/root",
      attr: "-wi-------",
      active: false,
      open: false,
    },
  ]);
});

Deno.test("report parsers refuse what they cannot trust", () => {
  const cases: [() => unknown, RegExp][] = [
    [() => parseVgsReport("{"), /not JSON/],
    [() => parseVgsReport("{}"), /no "report" array/],
    [() => parseVgsReport(VGS_SAMPLE.replace('"1069547520"', '"1.00g"')), /--units b --nosuffix/],
    [() => parseVgsReport(VGS_SAMPLE.replace('"vg_free_count":"253"', '"x":"1"')), /vg_free_count/],
    [() => parseLvsReport({ report: [{ lv: {} }] }), /not a list/],
    [() => parseLvsReport(LVS_SAMPLE.replace(', "lv_attr":"-wi-ao----"', "")), /lv_attr/],
    [() => parseBlkidExport("garbage\n"), /KEY=value/],
    [() => parseFindmnt("[]"), /filesystems/],
  ];
  for (const [fn, message] of cases) {
    assert.throws(fn, (e: unknown) => e instanceof ReportParseError && message.test(e.message));
  }
  assert.deepEqual(parseLvsReport({ report: [{}] }), []);
});

Deno.test("blkid export output becomes a record, escapes undone", () => {
  assert.deepEqual(
    parseBlkidExport(
      "DEVNAME=/dev/vg0/pvc-1\nUUID=0b2f3a2e-7f0e-4e3a-9c61-1f2a3b4c5d6e\nVERSION=1.0\n" +
        "BLOCK_SIZE=4096\nTYPE=ext4\nUSAGE=filesystem\nLABEL=my\\ disk\\$\n",
    ),
    {
      DEVNAME: "/dev/vg0/pvc-1",
      UUID: "0b2f3a2e-7f0e-4e3a-9c61-1f2a3b4c5d6e",
      VERSION: "1.0",
      BLOCK_SIZE: "4096",
      TYPE: "ext4",
      USAGE: "filesystem",
      LABEL: "my disk$",
    },
  );
  assert.deepEqual(parseBlkidExport(""), {});
});

Deno.test("findmnt JSON becomes mount rows; no output means no mounts", () => {
  assert.deepEqual(parseFindmnt(FINDMNT_SAMPLE), [
    {
      target: "/data/pvc-1",
      source: "/dev/mapper/vg0-pvc--1",
      fstype: "ext4",
      options: ["rw", "relatime"],
    },
  ]);
  assert.deepEqual(parseFindmnt(""), []);
});
