/**
 * One expansion from start to end, as the agent runs it and as the tests drive it: the
 * saga, then the claim's status and events as Kubernetes users know them
 * (`Resizing`, `VolumeResizeSuccessful`, `VolumeResizeFailed` with the command's stderr).
 *
 * @module
 */

import type { EventSink } from "../agent/context.ts";
import { type ClaimResizeStatus, resizeFailedPatch } from "../decide/resize_status.ts";
import { exactQuantity } from "../decide/quantity.ts";
import { isVgFull } from "../host/errors.ts";
import type { ClaimStatusApi } from "../kube/claim_status.ts";
import type { KubeObject } from "../kube/objects.ts";
import type { SagaEngine } from "../saga/engine.ts";
import type { SagaOutcome } from "../saga/types.ts";
import type { ResizeDeps } from "./deps.ts";
import { resizeSagaId, type ResizeSpec } from "./spec.ts";

/** What running an expansion needs. */
export interface ResizeRunner {
  engine: SagaEngine<ResizeSpec, ResizeDeps>;
  claims: ClaimStatusApi;
  events: EventSink;
  now?: () => Date;
}

/** How an expansion ended. */
export type ResizeResult =
  | { status: "resized"; outcome: SagaOutcome }
  /** Rolled back; `infeasible` when retrying the same size cannot help (VG too small). */
  | { status: "failed"; infeasible: boolean; message: string; outcome: SagaOutcome };

/** The note of a failed expansion, naming the volume and carrying the cause (with stderr). */
export function resizeFailureNote(spec: ResizeSpec, error: Error): string {
  return `resize volume "${spec.pvName}" to ${
    exactQuantity(spec.sizeBytes)
  } on node ${spec.node} ` +
    `failed: ${error.message}`;
}

/** Runs (or, when journaled, continues) the expansion of `spec` for `claim`. */
export async function runResize(
  r: ResizeRunner,
  spec: ResizeSpec,
  claim: KubeObject,
  continueRecord?: Parameters<SagaEngine<ResizeSpec, ResizeDeps>["continue"]>[0],
): Promise<ResizeResult> {
  r.events.normal(
    claim,
    "Resizing",
    `External resizer is resizing volume ${spec.pvName} from ${exactQuantity(spec.fromBytes)} ` +
      `to ${exactQuantity(spec.sizeBytes)}`,
  );
  const outcome = continueRecord
    ? await r.engine.continue(continueRecord, "forward")
    : await r.engine.run(resizeSagaId(spec.pvName), spec);
  if (outcome.status === "completed") {
    r.events.normal(
      claim,
      "VolumeResizeSuccessful",
      `Resize volume succeeded: ${spec.pvName} is ${exactQuantity(spec.sizeBytes)}, ` +
        `its ${spec.fsType} filesystem grown online`,
    );
    return { status: "resized", outcome };
  }
  const error = "error" in outcome ? outcome.error : new Error(`saga ${outcome.status}`);
  const infeasible = isVgFull(error) || isVgFull(error.cause);
  const message = resizeFailureNote(spec, error);
  r.events.warning(claim, "VolumeResizeFailed", message);
  const { namespace, name, uid } = spec.claim;
  const current = await r.claims.readClaim(namespace, name);
  if (current?.metadata.uid === uid) {
    const status = current.status as ClaimResizeStatus | undefined;
    await r.claims.patchClaimStatus(
      namespace,
      name,
      resizeFailedPatch(status, message, infeasible, (r.now ?? (() => new Date()))()),
    );
  }
  return { status: "failed", infeasible, message, outcome };
}
