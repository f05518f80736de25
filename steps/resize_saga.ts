/**
 * The expansion saga: its steps in order. The order is what keeps a failure from leaving
 * anything half-done: everything that can be refused (the claim gone, the volume group
 * full) fails before the first irreversible effect, lvextend is all-or-nothing, and once the
 * filesystem has grown the rest only publishes the truth (PV, then claim), so a failure
 * there is retried forwards.
 *
 * @module
 */

import type { SagaDefinition } from "../src/saga/types.ts";
import type { ResizeDeps } from "../src/resize/deps.ts";
import { RESIZE_KIND, type ResizeSpec } from "../src/resize/spec.ts";
import { markResizing } from "./mark_resizing.ts";
import { lvextend } from "./lvextend.ts";
import { growFs } from "./grow_fs.ts";
import { resizePv } from "./resize_pv.ts";
import { finishResize } from "./finish_resize.ts";

export const resizeSaga: SagaDefinition<ResizeSpec, ResizeDeps> = {
  kind: RESIZE_KIND,
  steps: [markResizing, lvextend, growFs, resizePv, finishResize],
};
