/**
 * The two things `plan` does, as functions returning the text to print, so tests can call
 * them directly.
 *
 * @module
 */

import { loadConfigFile } from "../config/load.ts";
import type { Config } from "../config/types.ts";
import { entryForNode } from "../config/lookup.ts";
import { claimAnnotation, type ClaimObject } from "../decide/claim.ts";
import { ANN_SELECTED_NODE } from "../decide/names.ts";
import { claimClassName } from "../decide/claim.ts";
import { AllowlistExecutor } from "../host/allowlist.ts";
import type { Executor } from "../host/executor.ts";
import { SimulatedHost } from "../host/sim/mod.ts";
import { findLogicalVolumes, listVolumeGroups } from "../provision/node_queries.ts";
import { specFromExisting } from "../provision/existing_volume.ts";
import { planVolume } from "../provision/plan_volume.ts";
import type { PersistentVolumeObject } from "../kube/volume_api.ts";
import { dryRunProvision, dryRunTeardown } from "./dry_run.ts";
import {
  PlanInputError,
  readClaim,
  readHostState,
  readPersistentVolume,
  readStorageClass,
} from "./inputs.ts";
import { renderProvisionPlan, renderTeardownPlan } from "./render.ts";
import { findSourceOnNode, makeSimulatedSource } from "./clone_source.ts";
import { cloneRequest } from "../decide/clone_source.ts";
import { planClone } from "../provision/clone_plan.ts";

/** What to print and the exit code. */
export interface PlanOutput {
  text: string;
  exitCode: number;
}

/** Placeholder uid for a claim file that has none (the API server assigns the real one). */
export const PLACEHOLDER_UID = "00000000-0000-0000-0000-000000000000";
const SIMULATED_VG_BYTES = 100 * 1024 ** 3;
const SIMULATED_EXTENT_BYTES = 4 * 1024 ** 2;

async function loadConfig(path: string): Promise<Config> {
  const result = await loadConfigFile(path);
  if (!result.ok) {
    throw new PlanInputError(`config ${path} is invalid:\n  ${result.errors.join("\n  ")}`);
  }
  return result.config;
}

/** The node to simulate: from a captured state, or the configured VGs with room to spare. */
export async function simulatedNode(
  hostStatePath: string | undefined,
  vgNames: readonly string[],
): Promise<{ exec: Executor; description: string }> {
  if (hostStatePath) {
    const state = await readHostState(hostStatePath);
    let host: SimulatedHost;
    try {
      host = SimulatedHost.fromReports(state);
    } catch (error) {
      throw new PlanInputError(`host state file ${hostStatePath}: ${(error as Error).message}`);
    }
    return { exec: new AllowlistExecutor(host), description: `from ${hostStatePath}` };
  }
  const host = SimulatedHost.create({
    vgs: vgNames.map((name) => ({
      name,
      sizeBytes: SIMULATED_VG_BYTES,
      extentBytes: SIMULATED_EXTENT_BYTES,
    })),
  });
  return {
    exec: new AllowlistExecutor(host),
    description: `simulated (${vgNames.join(", ") || "no volume groups"} with 100 GiB free, ` +
      "4 MiB extents); pass --host-state to plan against a real node's vgs/lvs",
  };
}

/** Options of a claim plan. */
export interface PlanClaimOptions {
  claimPath: string;
  configPath: string;
  classPath: string;
  node?: string;
  hostStatePath?: string;
  json: boolean;
}

/** Plans the provisioning of a claim. */
export async function planClaim(o: PlanClaimOptions): Promise<PlanOutput> {
  if (!o.claimPath) throw new PlanInputError("no claim file given (plan <pvc.yaml>)");
  const claim: ClaimObject = await readClaim(o.claimPath);
  const storageClass = await readStorageClass(o.classPath);
  const config = await loadConfig(o.configPath);

  const wanted = claimClassName(claim);
  if (wanted !== storageClass.name) {
    throw new PlanInputError(
      `claim file ${o.claimPath}: spec.storageClassName is ${JSON.stringify(wanted ?? "")}, ` +
        `but ${o.classPath} defines storage class ${storageClass.name}`,
    );
  }
  const selected = claimAnnotation(claim, ANN_SELECTED_NODE);
  const node = o.node ?? selected;
  if (!node) {
    throw new PlanInputError(
      `claim file ${o.claimPath}: metadata.annotations["${ANN_SELECTED_NODE}"] is not set ` +
        "(the scheduler sets it); pass --node",
    );
  }
  const nodeReason = o.node
    ? (selected && selected !== o.node
      ? `from --node (the claim selects ${selected})`
      : "from --node")
    : `from the claim's ${ANN_SELECTED_NODE} annotation`;
  const uidMissing = !claim.metadata?.uid;
  const withUid: ClaimObject = uidMissing
    ? { ...claim, metadata: { ...claim.metadata, uid: PLACEHOLDER_UID } }
    : claim;

  const lookup = entryForNode(config, node);
  const host = await simulatedNode(o.hostStatePath, lookup.ok ? lookup.entry.vgs : []);
  const plan = planVolume({
    claim: withUid,
    storageClass,
    node: { name: node, hostnameLabel: node },
    config,
    vgReports: await listVolumeGroups(host.exec),
    reservations: [],
  });
  if (!plan.ok) {
    throw new PlanInputError(`cannot provision ${o.claimPath}:\n  ${plan.errors.join("\n  ")}`);
  }
  let spec = plan.spec;
  let clone: string | undefined;
  const wantedSource = cloneRequest(claim);
  if (wantedSource.kind === "claim") {
    const found = o.hostStatePath
      ? await findSourceOnNode(host.exec, wantedSource)
      : await makeSimulatedSource(host.exec, spec, wantedSource);
    const key = `${wantedSource.namespace}/${wantedSource.name}`;
    if (!found) {
      throw new PlanInputError(
        `cannot clone ${key}: no logical volume of that claim in ${o.hostStatePath}`,
      );
    }
    const cloned = await planClone(host.exec, spec, found.source);
    if (!cloned.ok) throw new PlanInputError(`cannot clone ${key}: ${cloned.reason}`);
    spec = cloned.spec;
    clone = `from claim ${key}: ${found.description}`;
  }
  const run = await dryRunProvision(spec, host.exec);
  const header = {
    node,
    nodeReason,
    configReason: plan.reasons.config,
    vgReason: plan.reasons.vg,
    clone,
    hostState: host.description +
      (uidMissing ? `; the claim has no uid, so ${PLACEHOLDER_UID} stands in for it` : ""),
  };
  const exitCode = run.provisionOutcome === "completed" ? 0 : 1;
  if (o.json) {
    return { text: JSON.stringify({ ...header, spec, ...run }, null, 2), exitCode };
  }
  return { text: renderProvisionPlan(spec, header, run), exitCode };
}

/** Options of a teardown plan. */
export interface PlanDeleteOptions {
  target: string;
  configPath: string;
  node?: string;
  hostStatePath?: string;
  json: boolean;
}

/** Plans the teardown of an existing volume, found by PV file or name in the host state. */
export async function planDelete(o: PlanDeleteOptions): Promise<PlanOutput> {
  if (!o.hostStatePath) {
    throw new PlanInputError(
      "--delete needs --host-state: the volume group and mount path come from the LV's tags",
    );
  }
  const config = await loadConfig(o.configPath);
  let pv: PersistentVolumeObject | undefined;
  let name = o.target;
  if (/\.ya?ml$/.test(o.target)) {
    pv = await readPersistentVolume(o.target);
    name = pv.metadata.name;
  }
  const host = await simulatedNode(o.hostStatePath, []);
  const [lv] = await findLogicalVolumes(host.exec, name);
  if (!lv) throw new PlanInputError(`no logical volume named ${name} in ${o.hostStatePath}`);
  const node = o.node ?? nodeOfVolume(pv) ?? "(unknown node)";
  const existing = specFromExisting({ lv, pv, node, provisioner: config.provisionerName });
  if (!existing.ok) throw new PlanInputError(existing.error);
  const { teardown, outcome } = await dryRunTeardown(existing.spec, host.exec, pv);
  const error = outcome.status === "stuck" ? outcome.error.message : undefined;
  const exitCode = error ? 1 : 0;
  if (o.json) {
    return {
      text: JSON.stringify(
        { spec: existing.spec, teardown, outcome: outcome.status, error },
        null,
        2,
      ),
      exitCode,
    };
  }
  return {
    text: renderTeardownPlan(existing.spec, `from ${o.hostStatePath}`, teardown, error),
    exitCode,
  };
}

function nodeOfVolume(pv: PersistentVolumeObject | undefined): string | undefined {
  const affinity = pv?.spec.nodeAffinity as
    | { required?: { nodeSelectorTerms?: { matchExpressions?: { values?: string[] }[] }[] } }
    | undefined;
  return affinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values?.[0];
}
