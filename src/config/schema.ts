/**
 * The zod schemas of the config file's shape: types, enums and single-value rules. Rules
 * that need a sibling value (the node name in "... on node N") live in `validate_entry.ts`.
 * Every schema sets its own messages, so no zod wording reaches the user.
 *
 * @module
 */

import { z } from "zod";
import {
  FS_TYPES,
  LEGACY_PROVISIONER,
  NODE_SELECTION_POLICIES,
  VG_SELECTIONS,
} from "./constants.ts";
import { at, jsonTypeOf, type PathSegment } from "./json_path.ts";
import { dnsSubdomainProblems, mountOptionProblems } from "./rules.ts";

/** The part of a zod issue we read (zod's own type differs between its two APIs). */
interface IssueLike {
  readonly input?: unknown;
}

/** Message for a value of the wrong JSON type, or a required key that is absent. */
function typeError(expected: string): (issue: IssueLike) => string {
  return (issue) =>
    issue.input === undefined
      ? `missing required key (expected ${expected})`
      : `expected ${expected}, got ${jsonTypeOf(issue.input)}`;
}

function quotedList(values: readonly string[]): string {
  const quoted = values.map((v) => JSON.stringify(v));
  return quoted.length < 2
    ? quoted.join("")
    : `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`;
}

/** A string enum whose message names the allowed values. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T, what: string) {
  return z.enum(values, {
    error: (issue) =>
      typeof issue.input === "string"
        ? `unsupported ${what} ${JSON.stringify(issue.input)} (expected ${quotedList(values)})`
        : typeError("string")(issue),
  });
}

const fsTypeSchema = oneOf(FS_TYPES, "filesystem type");
const vgSelectionSchema = oneOf(VG_SELECTIONS, "volume group selection");
const nodeSelectionPolicySchema = oneOf(NODE_SELECTION_POLICIES, "node selection policy");

const mountOptionSchema = z.string({ error: typeError("string") }).check((ctx) => {
  for (const problem of mountOptionProblems(ctx.value)) {
    const message = ctx.value === ""
      ? `mount option ${problem}`
      : `invalid mount option ${JSON.stringify(ctx.value)}: ${problem}`;
    ctx.issues.push({ code: "custom", message, input: ctx.value });
  }
});

const mountOptionsSchema = z.array(mountOptionSchema, { error: typeError("array of strings") });

const provisionerNameSchema = z.string({ error: typeError("string") }).check((ctx) => {
  if (ctx.value === LEGACY_PROVISIONER) return;
  for (const problem of dnsSubdomainProblems(ctx.value)) {
    ctx.issues.push({
      code: "custom",
      message: `invalid provisioner name ${JSON.stringify(ctx.value)}: ${problem}`,
      input: ctx.value,
    });
  }
});

/** Shape of one `nodeVGMap` entry. `path` and `vgs` are optional here: see validate_entry.ts. */
export const entrySchema = z.object({
  node: z.string({ error: typeError("string") }).min(1, { error: "node name must not be empty" }),
  path: z.string({ error: typeError("string") }).optional(),
  vgs: z.array(z.string({ error: typeError("string") }), { error: typeError("array of strings") })
    .optional(),
  fsType: fsTypeSchema.optional(),
  mountOptions: mountOptionsSchema.optional(),
});

/** Shape of the top level; entries are checked one by one with {@link entrySchema}. */
export const topLevelSchema = z.object({
  nodeVGMap: z.array(z.unknown(), { error: typeError("array of node entries") }),
  fsType: fsTypeSchema.optional(),
  vgSelection: vgSelectionSchema.optional(),
  nodeSelectionPolicy: nodeSelectionPolicySchema.optional(),
  provisionerName: provisionerNameSchema.optional(),
  mountOptions: mountOptionsSchema.optional(),
});

/** The whole file's schema, for documentation and for typing generated configs. */
export const configFileSchema = topLevelSchema.extend({ nodeVGMap: z.array(entrySchema) });

/** A config file as written (before defaults and normalisation). */
export type ConfigFile = z.input<typeof configFileSchema>;

/** The outcome of one schema check: the parsed data or path-prefixed messages. */
export type SchemaResult<T> =
  | { readonly ok: true; readonly data: T }
  | { readonly ok: false; readonly errors: string[] };

/**
 * Runs a schema and turns its issues into `$.path: message` lines, `base` being the path
 * of the checked value inside the document.
 */
export function checkSchema<T>(
  schema: z.ZodType<T>,
  value: unknown,
  base: readonly PathSegment[],
): SchemaResult<T> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, data: result.data };
  return {
    ok: false,
    errors: result.error.issues.map((issue) =>
      at([...base, ...issue.path.map((p) => typeof p === "number" ? p : String(p))], issue.message)
    ),
  };
}
