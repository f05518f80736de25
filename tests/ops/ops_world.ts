/**
 * A node for the ops tests, in process: the simulated host behind the allowlist, a config
 * file, a file journal and an in-memory API, with volumes provisioned by the real engine
 * and steps, so doctor and orphans meet exactly what the agent leaves on a node.
 */
import { parseConfig } from "../../src/config/parse.ts";
import { AllowlistExecutor } from "../../src/host/allowlist.ts";
import { SimulatedHost } from "../../src/host/sim/mod.ts";
import { MemoryVolumeApi } from "../../src/kube/memory_volume_api.ts";
import type { PersistentVolumeObject } from "../../src/kube/volume_api.ts";
import { listVolumeGroups } from "../../src/provision/node_queries.ts";
import { planVolume } from "../../src/provision/plan_volume.ts";
import { ReservationBook } from "../../src/provision/reservations.ts";
import { FileJournal } from "../../src/saga/file_journal.ts";
import { SagaEngine } from "../../src/saga/engine.ts";
import { findOrphans } from "../../src/ops/orphans_find.ts";
import type { Orphan } from "../../src/ops/orphan_types.ts";
import type { Config } from "../../src/config/types.ts";
import type { ClaimObject } from "../../src/decide/claim.ts";
import type { SagaRecord } from "../../src/saga/types.ts";
import type { VolumeSpec } from "../../src/volume.ts";
import { provisionSaga } from "../../steps/mod.ts";
import { claim, storageClass } from "../fixtures/claims.ts";

export const MiB = 1024 ** 2;
export const NODE = "node-a";
export const CONFIG_TEXT = `{"nodeVGMap":[{"node":"${NODE}","path":"/data","vgs":["vg0"]}]}`;

/**
 * The journal record of a provisioning of `spec` that is not finished: `applied` done, last
 * written at `at` (what an agent that stopped there leaves behind).
 */
export function unfinishedProvision(
  spec: VolumeSpec,
  applied: string[],
  at: Date,
): SagaRecord<VolumeSpec> {
  return {
    id: spec.pvName,
    kind: "provision",
    params: spec,
    direction: "forward",
    applied,
    committed: false,
    errors: [],
    startedAt: at.toISOString(),
    updatedAt: at.toISOString(),
  };
}

/** One node and what surrounds it. */
export class OpsWorld {
  readonly exec: AllowlistExecutor;
  readonly journal: FileJournal;
  readonly kube = new MemoryVolumeApi();
  readonly reservations = new ReservationBook();
  /** Claims the "API server" holds. */
  readonly claims: ClaimObject[] = [];

  constructor(readonly host: SimulatedHost, readonly dir: string, readonly config: Config) {
    this.exec = new AllowlistExecutor(host);
    this.journal = new FileJournal(this.journalDir);
  }

  get configPath(): string {
    return `${this.dir}/config.json`;
  }

  get journalDir(): string {
    return `${this.dir}/journal`;
  }

  engine(): SagaEngine<VolumeSpec, unknown> {
    return new SagaEngine(provisionSaga, {
      journal: this.journal,
      deps: { exec: this.exec, kube: this.kube, reservations: this.reservations },
      undoAttempts: 1,
      sleep: () => Promise.resolve(),
    }) as SagaEngine<VolumeSpec, unknown>;
  }

  /** The spec the agent would decide for a claim. */
  async plan(name: string, uid: string, storage = "8Mi"): Promise<VolumeSpec> {
    const plan = planVolume({
      claim: claim({ name, uid, storage }),
      storageClass,
      node: { name: NODE, hostnameLabel: NODE },
      config: this.config,
      vgReports: await listVolumeGroups(this.exec),
      reservations: [],
    });
    if (!plan.ok) throw new Error(plan.errors.join("; "));
    return plan.spec;
  }

  /** Provisions a claim as the agent would (the claim is then known to the API). */
  async provision(name: string, uid: string, storage = "8Mi"): Promise<VolumeSpec> {
    const spec = await this.plan(name, uid, storage);
    const outcome = await this.engine().run(spec.pvName, spec);
    if (outcome.status !== "completed") throw new Error(`provisioning ${name}: ${outcome.status}`);
    this.claims.push(claim({ name, uid, storage }));
    return spec;
  }

  /** Every PV the in-memory API holds. */
  pvs(): PersistentVolumeObject[] {
    return [...this.kube.volumes.values()];
  }

  /** What `orphans` finds on this node, with the clock at `now`. */
  findOrphans(now = Date.now()): Promise<Orphan[]> {
    return findOrphans({
      exec: this.exec,
      journal: this.journal,
      config: this.config,
      hostnames: [NODE],
      persistentVolumes: () => this.pvs(),
      claims: () => this.claims,
      now: () => now,
    });
  }

  async close(): Promise<void> {
    await Deno.remove(this.dir, { recursive: true });
  }
}

/** A node with a 256 MiB vg0 and the config `/data` on vg0 for node-a. */
export async function opsWorld(configText = CONFIG_TEXT): Promise<OpsWorld> {
  const dir = await Deno.makeTempDir({ prefix: "local-lvm-ops-" });
  await Deno.writeTextFile(`${dir}/config.json`, configText);
  const parsed = parseConfig(CONFIG_TEXT);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  const host = SimulatedHost.create({ vgs: [{ name: "vg0", sizeBytes: 256 * MiB }] });
  return new OpsWorld(host, dir, parsed.config);
}
