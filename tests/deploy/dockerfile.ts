/**
 * A small reader for our Dockerfile and .dockerignore: enough to check them statically,
 * since our machines have no container engine to build the image with.
 *
 * @module
 */

/** One instruction, with continuation lines joined and comments dropped. */
export interface Instruction {
  /** Upper-cased, e.g. `RUN`. */
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  args: string;
  /** 1-based line of the keyword. */
  line: number;
}

/** Splits a Dockerfile into instructions (the default `\` escape character only). */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let current: Instruction | undefined;
  text.split("\n").forEach((raw, index) => {
    const line = raw.trimEnd();
    // Comment lines and empty lines are dropped, inside a continuation too (as Docker does).
    if (/^\s*#/.test(line) || line.trim() === "") return;
    const continues = line.endsWith("\\");
    const body = continues ? line.slice(0, -1) : line;
    if (current === undefined) {
      const match = /^\s*([A-Za-z]+)\s*(.*)$/.exec(body);
      if (!match) throw new Error(`Dockerfile:${index + 1}: not an instruction: ${raw}`);
      current = { keyword: match[1].toUpperCase(), args: match[2].trim(), line: index + 1 };
    } else {
      current.args = `${current.args} ${body.trim()}`.trim();
    }
    if (!continues) {
      instructions.push(current);
      current = undefined;
    }
  });
  if (current) throw new Error(`Dockerfile:${current.line}: continuation runs past the end`);
  return instructions;
}

/** The stages of a Dockerfile: each FROM's image and its `AS` name. */
export function stages(instructions: readonly Instruction[]): { image: string; name?: string }[] {
  return instructions.filter((i) => i.keyword === "FROM").map((i) => {
    const words = i.args.split(/\s+/).filter((w) => !w.startsWith("--"));
    const as = words.findIndex((w) => w.toUpperCase() === "AS");
    return { image: words[0], name: as >= 0 ? words[as + 1] : undefined };
  });
}

/** The argv of an exec-form (JSON array) instruction; throws on the shell form. */
export function execForm(instruction: Instruction): string[] {
  let value: unknown;
  try {
    value = JSON.parse(instruction.args);
  } catch {
    throw new Error(`${instruction.keyword} on line ${instruction.line} is not in exec form`);
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new Error(`${instruction.keyword} on line ${instruction.line} is not a string array`);
  }
  return value;
}

/**
 * Whether the container command (ENTRYPOINT then CMD) runs the agent with exactly the
 * start task's flags: either `deno task start` itself, or the task's own argv.
 */
export function runsStartTask(command: readonly string[], taskArgv: readonly string[]): boolean {
  const same = (a: readonly string[], b: readonly string[]) =>
    a.length === b.length && a.every((word, i) => word === b[i]);
  return same(command, ["deno", "task", "start"]) || same(command, taskArgv);
}

function globToRegExp(pattern: string): RegExp {
  if (/\*\*|[[\]{}]/.test(pattern)) throw new Error(`unsupported .dockerignore pattern ${pattern}`);
  const body = pattern.replace(/[.+^$()|\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(
    /\?/g,
    "[^/]",
  );
  return new RegExp(`^${body}$`);
}

/**
 * Whether `path` (relative to the context root) is sent to the build under `.dockerignore`
 * rules: the last matching pattern wins, `!` re-includes, and a pattern that matches a
 * parent directory matches everything inside it.
 */
export function inBuildContext(dockerignore: string, path: string): boolean {
  const patterns = dockerignore.split("\n").map((l) => l.trim()).filter((l) =>
    l !== "" && !l.startsWith("#")
  );
  const parents = path.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));
  let included = true;
  for (const raw of patterns) {
    const negated = raw.startsWith("!");
    const pattern = (negated ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, "");
    const re = globToRegExp(pattern);
    if (parents.some((p) => re.test(p))) included = negated;
  }
  return included;
}
