/**
 * The capacity publisher without a server: a simulated node, an in-memory API and a manual
 * clock, so debouncing, the period and retries are checked without sleeping.
 */
import assert from "node:assert/strict";
import { CapacityPublisher } from "../../src/agent/capacity_publisher.ts";
import { parseConfig } from "../../src/config/parse.ts";
import type { Config } from "../../src/config/types.ts";
import type { CapacityNode } from "../../src/decide/capacity.ts";
import type { CapacityChange, ExistingCapacity } from "../../src/decide/capacity_diff.ts";
import { parseQuantityBytes } from "../../src/decide/quantity.ts";
import type { Reservation } from "../../src/decide/vg_choice.ts";
import { SimulatedHost } from "../../src/host/sim/mod.ts";
import type { CapacityApi } from "../../src/kube/capacity_api.ts";
import { FakeClock, settle } from "../kube/fake_clock.ts";

const MiB = 1024 * 1024;

/** CSIStorageCapacity objects in memory; `failures` makes the next calls throw. */
class MemoryCapacityApi implements CapacityApi {
  readonly objects = new Map<string, ExistingCapacity & { metadata: { labels?: object } }>();
  readonly calls: string[] = [];
  failures = 0;
  /** While set, list waits for it (a publish in progress). */
  gate: Promise<void> | undefined;

  async list(_namespace: string, selector: string): Promise<ExistingCapacity[]> {
    this.calls.push("list");
    await this.gate;
    if (this.failures > 0) {
      this.failures--;
      throw new Error("connection refused");
    }
    const wanted = Object.fromEntries(selector.split(",").map((kv) => kv.split("=")));
    return [...this.objects.values()].filter((o) =>
      Object.entries(wanted).every(([k, v]) =>
        (o.metadata.labels as Record<string, string>)?.[k] === v
      )
    );
  }

  apply(_namespace: string, change: CapacityChange): Promise<void> {
    this.calls.push(change.op);
    if (change.op === "delete") this.objects.delete(change.name);
    else if (change.op === "patch") {
      const o = this.objects.get(change.name)!;
      this.objects.set(change.name, { ...o, ...change.patch, metadata: o.metadata });
    } else this.objects.set(change.object.metadata.name, structuredClone(change.object));
    return Promise.resolve();
  }

  /** `class=bytes` per object, sorted. */
  sizes(): string[] {
    return [...this.objects.values()].map((o) => {
      const bytes = parseQuantityBytes(o.maximumVolumeSize);
      return `${o.storageClassName}=${bytes.ok ? bytes.bytes / MiB : "?"}Mi`;
    }).sort();
  }
}

function config(json: unknown): Config {
  const parsed = parseConfig(JSON.stringify(json));
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  return parsed.config;
}

const ENABLED = config({ nodeVGMap: [{ node: "n1", path: "/volumes", vgs: ["vg0", "vg1"] }] });

interface Setup {
  publisher: CapacityPublisher;
  api: MemoryCapacityApi;
  clock: FakeClock;
  host: SimulatedHost;
  state: {
    config: Config;
    classes: [string, string][];
    node?: CapacityNode;
    reservations: Reservation[];
  };
}

function setUp(): Setup {
  const clock = new FakeClock();
  const api = new MemoryCapacityApi();
  const host = SimulatedHost.create({
    vgs: [{ name: "vg0", sizeBytes: 100 * MiB }, { name: "vg1", sizeBytes: 40 * MiB }],
  });
  const state: Setup["state"] = {
    config: ENABLED,
    classes: [["local-lvm", "local-lvm.io"], ["legacy", "mein.io/local-lvm"]],
    node: { name: "n1", uid: "u1", hostnameLabel: "n1" },
    reservations: [],
  };
  const quiet = () => {};
  const publisher = new CapacityPublisher({
    nodeName: "n1",
    namespace: "ns",
    exec: host,
    api,
    config: () => state.config,
    reservations: () => state.reservations,
    storageClasses: () => state.classes,
    node: () => state.node,
    log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    clock,
    debounceMs: 500,
    periodMs: 60_000,
  });
  return { publisher, api, clock, host, state };
}

Deno.test("publishes the largest VG, per class of ours, and follows the node's space", async () => {
  const { publisher, api, host, state } = setUp();
  assert.equal(await publisher.publishNow(), true);
  assert.deepEqual(api.sizes(), ["local-lvm=100Mi"], "the legacy class gets nothing");
  assert.deepEqual(publisher.last, { bytes: 100 * MiB, classes: ["local-lvm"] });

  state.reservations = [{ vg: "vg0", bytes: 70 * MiB }];
  await publisher.publishNow();
  assert.deepEqual(api.sizes(), ["local-lvm=40Mi"], "vg1 is now the largest");

  state.reservations = [];
  const r = await host.run(["lvcreate", "--yes", "--name", "x", "--size", "90m", "vg0"]);
  assert.equal(r.code, 0, r.stderr);
  state.classes.push(["fast", "local-lvm.io"]);
  await publisher.publishNow();
  assert.deepEqual(api.sizes(), ["fast=40Mi", "local-lvm=40Mi"]);
  await publisher.stop();
});

Deno.test("a node the config disables or does not cover has no objects", async () => {
  const cases: [string, Config][] = [
    ["vgs: []", config({ nodeVGMap: [{ node: "n1", path: "/v", vgs: [] }] })],
    ["not covered", config({ nodeVGMap: [{ node: "other", path: "/v", vgs: ["vg0"] }] })],
  ];
  for (const [name, disabled] of cases) {
    const { publisher, api, state } = setUp();
    await publisher.publishNow();
    assert.equal(api.objects.size, 1);
    state.config = disabled;
    await publisher.publishNow();
    assert.deepEqual(api.sizes(), [], name);
    assert.deepEqual(publisher.last, { classes: [] }, name);
    state.config = ENABLED;
    await publisher.publishNow();
    assert.deepEqual(api.sizes(), ["local-lvm=100Mi"], `${name}, enabled again`);
    await publisher.stop();
  }
});

Deno.test("without its Node object the publisher leaves the API alone", async () => {
  const { publisher, api, state } = setUp();
  state.node = undefined;
  assert.equal(await publisher.publishNow(), true);
  assert.deepEqual(api.calls, []);
  await publisher.stop();
});

Deno.test("a burst of changes is one publish after the debounce, then the period", async () => {
  const { publisher, api, clock } = setUp();
  for (let i = 0; i < 5; i++) publisher.request();
  await clock.advance(499);
  assert.deepEqual(api.calls, [], "nothing before the debounce");
  await clock.advance(1);
  assert.deepEqual(api.calls, ["list", "create"]);
  assert.deepEqual(clock.pendingDelays(), [60_000], "next: the periodic publish");
  await clock.advance(60_000);
  assert.deepEqual(api.calls, ["list", "create", "list"], "periodic, nothing changed");
  // A request does not postpone a publish that is due sooner.
  publisher.request();
  assert.deepEqual(clock.pendingDelays(), [500]);
  await publisher.stop();
  assert.deepEqual(clock.pendingDelays(), [], "stop clears the timers");
  assert.equal(await publisher.publishNow(), false);
});

Deno.test("a failed publish is retried with back-off", async () => {
  const { publisher, api, clock } = setUp();
  api.failures = 2;
  assert.equal(await publisher.publishNow(), false);
  const [first] = clock.pendingDelays();
  assert.ok(first >= 1_000 && first <= 1_200, `first retry after ${first} ms`);
  await clock.advance(first);
  const [second] = clock.pendingDelays();
  assert.ok(second >= 2_000 && second <= 2_400, `second retry after ${second} ms`);
  await clock.advance(second);
  assert.deepEqual(api.sizes(), ["local-lvm=100Mi"]);
  assert.deepEqual(clock.pendingDelays(), [60_000], "back to the period");
  await publisher.stop();
});

Deno.test("publishes never overlap; callers during one share the next", async () => {
  const { publisher, api } = setUp();
  const same = [publisher.publishNow(), publisher.publishNow()];
  assert.equal(same[0], same[1], "not started yet: one run serves both");
  await Promise.all(same);
  assert.deepEqual(api.calls, ["list", "create"]);
  const gate = Promise.withResolvers<void>();
  api.gate = gate.promise;
  const first = publisher.publishNow();
  await settle();
  assert.deepEqual(api.calls, ["list", "create", "list"], "the first is in progress");
  const later = [publisher.publishNow(), publisher.publishNow()];
  assert.notEqual(later[0], first);
  assert.equal(later[0], later[1]);
  api.gate = undefined;
  gate.resolve();
  assert.deepEqual(await Promise.all([first, ...later]), [true, true, true]);
  assert.deepEqual(api.calls, ["list", "create", "list", "list"], "one more run, not two");
  await publisher.stop();
});
