/**
 * `plan --resize <claim.yaml | namespace/claim> <new size>`: what the agent would do to grow
 * a volume online, found by running the real expansion saga through the real engine against
 * a simulated copy of the node, as the provisioning plan does.
 *
 * Without `--host-state` the claim (a file) is first provisioned at its current request on
 * a simulated node; with it, the volume is the LV of the captured state (`pvc-<uid>`, or
 * the one tagged `pvname=<namespace>-<claim>`).
 *
 * @module
 */

import { entryForNode } from "../config/lookup.ts";
import { loadConfigFile } from "../config/load.ts";
import type { Config } from "../config/types.ts";
import { claimAnnotation, type ClaimObject } from "../decide/claim.ts";
import { ANN_SELECTED_NODE } from "../decide/names.ts";
import { buildPersistentVolume } from "../decide/pv_spec.ts";
import { exactQuantity, formatBytes, parseQuantityBytes } from "../decide/quantity.ts";
import { resizeNeed } from "../decide/resize_need.ts";
import type { Claim } from "../kube/claim_api.ts";
import { type ClaimStatusApi, MemoryClaimStatus } from "../kube/claim_status.ts";
import { MemoryVolumeApi } from "../kube/memory_volume_api.ts";
import { specFromExisting } from "../provision/existing_volume.ts";
import { listVolumeGroups, lvsArgv } from "../provision/node_queries.ts";
import { planVolume } from "../provision/plan_volume.ts";
import { ReservationBook } from "../provision/reservations.ts";
import { parseLvsReport } from "../host/lvm_report.ts";
import { runChecked } from "../host/executor.ts";
import type { ResizeDeps } from "../resize/deps.ts";
import { planResize } from "../resize/plan_resize.ts";
import { resizeSagaId, type ResizeSpec } from "../resize/spec.ts";
import { MemoryJournal, SagaEngine } from "../saga/mod.ts";
import type { VolumeSpec } from "../volume.ts";
import { provisionSaga } from "../../steps/mod.ts";
import { resizeSaga } from "../../steps/resize_saga.ts";
import { LV_TAG_PVNAME_PREFIX } from "../volume.ts";
import { PlanInputError, readClaim, readStorageClass } from "./inputs.ts";
import { PLACEHOLDER_UID, type PlanOutput, simulatedNode } from "./plan_command.ts";
import { type RecordedStep, StepRecorder } from "./recording.ts";
import { renderSteps } from "./render.ts";

/** Options of an expansion plan. */
export interface PlanResizeOptions {
  /** A claim file, or `namespace/name` of a volume in the host state. */
  target: string;
  newSize: string;
  configPath: string;
  classPath: string;
  node?: string;
  hostStatePath?: string;
  json: boolean;
}

async function loadConfig(path: string): Promise<Config> {
  const result = await loadConfigFile(path);
  if (!result.ok) {
    throw new PlanInputError(`config ${path} is invalid:\n  ${result.errors.join("\n  ")}`);
  }
  return result.config;
}

/** Claim status reads and patches, noted in the recorder as API requests. */
function recordedClaims(recorder: StepRecorder, inner: ClaimStatusApi): ClaimStatusApi {
  return {
    readClaim: async (ns, name) => {
      const claim = await inner.readClaim(ns, name);
      recorder.recordApi("get", "PersistentVolumeClaim", `${ns}/${name}`, true);
      return claim;
    },
    patchClaimStatus: async (ns, name, status) => {
      const claim = await inner.patchClaimStatus(ns, name, status);
      recorder.recordApi("patch", "PersistentVolumeClaim/status", `${ns}/${name}`, true, [
        "-p",
        JSON.stringify({ status }),
      ]);
      return claim;
    },
  };
}

/** The volume to grow, provisioned on (or found in) a simulated copy of the node. */
async function volumeOnNode(o: PlanResizeOptions, config: Config) {
  const isFile = /\.ya?ml$/.test(o.target);
  const storageClass = await readStorageClass(o.classPath);
  const fsType = storageClass.parameters?.fsType === "xfs" ? "xfs" : "ext4";
  let claim: ClaimObject | undefined;
  let node = o.node;
  if (isFile) {
    claim = await readClaim(o.target);
    claim = claim.metadata?.uid
      ? claim
      : { ...claim, metadata: { ...claim.metadata, uid: PLACEHOLDER_UID } };
    node ??= claimAnnotation(claim, ANN_SELECTED_NODE);
    if (!node) {
      throw new PlanInputError(
        `claim file ${o.target}: metadata.annotations["${ANN_SELECTED_NODE}"] is not set; pass --node`,
      );
    }
  } else if (!/^[^/]+\/[^/]+$/.test(o.target) || !o.hostStatePath) {
    throw new PlanInputError(
      `--resize ${o.target}: give a claim file, or namespace/claim together with --host-state`,
    );
  }
  const lookup = node ? entryForNode(config, node) : undefined;
  const host = await simulatedNode(o.hostStatePath, lookup?.ok ? lookup.entry.vgs : []);
  const quiet = new SagaEngine(provisionSaga, {
    journal: new MemoryJournal(),
    deps: { exec: host.exec, kube: new MemoryVolumeApi(), reservations: new ReservationBook() },
    undoAttempts: 1,
  });
  let spec: VolumeSpec;
  if (o.hostStatePath) {
    const selection = claim
      ? ["--select", `lv_name=pvc-${claim.metadata!.uid}`]
      : [`@${LV_TAG_PVNAME_PREFIX}${o.target.replace("/", "-")}`];
    const [lv] = parseLvsReport((await runChecked(host.exec, lvsArgv(selection))).stdout);
    if (!lv) throw new PlanInputError(`no volume of ${o.target} in ${o.hostStatePath}`);
    const existing = specFromExisting({
      lv,
      node: node ?? "(unknown node)",
      provisioner: config.provisionerName,
    });
    if (!existing.ok) throw new PlanInputError(existing.error);
    spec = { ...existing.spec, fsType, storageClass: storageClass.name };
  } else {
    const plan = planVolume({
      claim: claim!,
      storageClass,
      node: { name: node!, hostnameLabel: node! },
      config,
      vgReports: await listVolumeGroups(host.exec),
      reservations: [],
    });
    if (!plan.ok) throw new PlanInputError(`cannot provision ${o.target}: ${plan.errors[0]}`);
    spec = plan.spec;
  }
  // Bring the copy to the provisioned state (every step recognises what is already there).
  const made = await quiet.run(spec.pvName, spec);
  if (made.status !== "completed") {
    throw new PlanInputError(
      `cannot bring ${spec.pvName} up on the simulated node: ${made.status}`,
    );
  }
  return { host, spec };
}

/** Plans the online expansion of a claim's volume to `newSize`. */
export async function planResizeCommand(o: PlanResizeOptions): Promise<PlanOutput> {
  const size = parseQuantityBytes(o.newSize, "new size");
  if (!size.ok) throw new PlanInputError(size.error);
  const config = await loadConfig(o.configPath);
  const { host, spec } = await volumeOnNode(o, config);

  const kube = new MemoryVolumeApi();
  const pv = buildPersistentVolume(spec);
  await kube.createPersistentVolume(pv);
  const claims = new MemoryClaimStatus();
  claims.put({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { ...spec.claim },
    spec: { resources: { requests: { storage: o.newSize } }, volumeName: spec.pvName },
    status: { phase: "Bound", capacity: { storage: exactQuantity(spec.sizeBytes) } },
  } as Claim);
  const claim = (await claims.readClaim(spec.claim.namespace, spec.claim.name))!;
  const need = resizeNeed(claim, (await kube.readPersistentVolume(spec.pvName))!);
  if (!need) {
    throw new PlanInputError(
      `${o.newSize} is not more than the volume's ${
        formatBytes(spec.sizeBytes)
      }: nothing to grow ` +
        "(Kubernetes refuses to shrink a claim)",
    );
  }
  const planned = await planResize(host.exec, {
    need,
    claim: spec.claim,
    pv: (await kube.readPersistentVolume(spec.pvName))!,
    node: spec.node,
    provisioner: config.provisionerName,
  });
  if (!planned.ok) throw new PlanInputError(planned.error);
  const resize = planned.spec;

  const recorder = new StepRecorder(host.exec);
  const engine = new SagaEngine(recorder.instrument(resizeSaga), {
    journal: new MemoryJournal(),
    deps: {
      exec: recorder,
      kube: {
        readPersistentVolume: (name) => recorder.volumeApi(kube).readPersistentVolume(name),
        setCapacity: async (name, storage) => {
          const ok = await kube.setCapacity(name, storage);
          recorder.recordApi("patch", "PersistentVolume", name, ok, [
            "-p",
            JSON.stringify({ spec: { capacity: { storage } } }),
          ]);
          return ok;
        },
      },
      claims: recordedClaims(recorder, claims),
    } satisfies ResizeDeps,
    undoAttempts: 1,
  });
  const outcome = await engine.run(resizeSagaId(resize.pvName), resize);
  const error = "error" in outcome ? outcome.error.message : undefined;
  const exitCode = outcome.status === "completed" ? 0 : 1;
  const undo = resizeSaga.steps.map((s) => ({ step: s.name, undo: s.describeUndo(resize) }));
  if (o.json) {
    return {
      text: JSON.stringify(
        { spec: resize, steps: recorder.steps, undo, outcome: outcome.status, error },
        null,
        2,
      ),
      exitCode,
    };
  }
  return { text: renderResizePlan(resize, recorder.steps, undo, error), exitCode };
}

/** The text form of an expansion plan. */
export function renderResizePlan(
  r: ResizeSpec,
  steps: readonly RecordedStep[],
  undo: readonly { step: string; undo: string }[],
  error?: string,
): string {
  const lines = [
    `Claim:      ${r.claim.namespace}/${r.claim.name} (uid ${r.claim.uid})`,
    `Node:       ${r.node}`,
    `VG:         ${r.vg}`,
    `Size:       LV ${r.fromBytes} bytes (${exactQuantity(r.fromBytes)}) -> requested ` +
    `${r.request} (${r.requestBytes} bytes), LV ${r.sizeBytes} bytes ` +
    `(${exactQuantity(r.sizeBytes)}, whole extents)`,
    `Filesystem: ${r.fsType} mounted at ${r.mountPoint}, grown online`,
    "",
    'Expansion (each step\'s commands: "run" changes the node, "check" only reads,',
    '"api" is a request to the API server):',
    ...renderSteps(steps),
    "",
    "Undo, if a later step fails:",
    ...undo.map((u) => `  ${u.step}: ${u.undo}`),
  ];
  if (error) lines.push("", `The expansion would fail: ${error}`);
  return lines.join("\n") + "\n";
}
