/**
 * Effective params: schema defaults, then the profile, then `--set NAME=VALUE` overrides, each
 * value parsed and checked against its ParamSpec. Errors are UsageErrors (exit 2) that name the
 * param and what it accepts.
 */
import { UsageError } from "../core/errors.ts";
import type { Params, ParamSchema, ParamSpec, Profiles } from "./stage.ts";

/** Defaults ← profile ← overrides, all validated. */
export function resolveParams(
  schema: ParamSchema,
  profiles: Profiles,
  profile: string,
  overrides: Params = {},
): Params {
  if (!(profile in profiles)) {
    throw new UsageError(`unknown profile ${profile} (profiles: ${Object.keys(profiles).join(", ")})`);
  }
  const out: Params = {};
  for (const [name, spec] of Object.entries(schema)) out[name] = spec.default;
  for (const [name, value] of Object.entries(profiles[profile])) {
    checkValue(schema, name, value, `profile ${profile}`);
    out[name] = value;
  }
  for (const [name, value] of Object.entries(overrides)) {
    checkValue(schema, name, value, "override");
    out[name] = value;
  }
  return out;
}

/** Parse one `NAME=VALUE` of `--set` into a typed value (numbers, booleans, comma lists). */
export function parseSet(schema: ParamSchema, text: string): [string, unknown] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new UsageError(`--set ${text}: expected NAME=VALUE`);
  const name = text.slice(0, eq);
  const raw = text.slice(eq + 1);
  const spec = specOf(schema, name, "--set");
  const value = parseValue(spec, raw, name);
  checkValue(schema, name, value, "--set");
  return [name, value];
}

function specOf(schema: ParamSchema, name: string, where: string): ParamSpec {
  const spec = schema[name];
  if (!spec) {
    throw new UsageError(`${where}: unknown param ${name} (accepted: ${Object.keys(schema).join(", ")})`);
  }
  return spec;
}

function parseScalar(type: "number" | "integer" | "string" | "boolean", raw: string, name: string): unknown {
  const s = raw.trim();
  if (type === "string") return s;
  if (type === "boolean") {
    if (["true", "1", "yes"].includes(s)) return true;
    if (["false", "0", "no"].includes(s)) return false;
    throw new UsageError(`--set ${name}=${raw}: expected a boolean (true or false)`);
  }
  const n = Number(s);
  if (s === "" || !Number.isFinite(n)) {
    throw new UsageError(`--set ${name}=${raw}: expected ${type === "integer" ? "an integer" : "a number"}`);
  }
  return n;
}

function parseValue(spec: ParamSpec, raw: string, name: string): unknown {
  if (spec.type === "string[]" || spec.type === "number[]") {
    const parts = raw.trim() === "" ? [] : raw.split(",");
    const el = spec.type === "string[]" ? "string" : "number";
    try {
      return parts.map((p) => parseScalar(el, p, name));
    } catch {
      throw new UsageError(`--set ${name}=${raw}: expected a comma list of numbers`);
    }
  }
  return parseScalar(spec.type, raw, name);
}

/** Throws a UsageError unless `value` has the spec's type (and is one of its choices). */
export function checkValue(schema: ParamSchema, name: string, value: unknown, where: string): void {
  const spec = specOf(schema, name, where);
  const bad = (expected: string) =>
    new UsageError(`${where}: param ${name} expects ${expected}, got ${JSON.stringify(value)}`);
  const choice = (v: string) => {
    if (spec.choices && !spec.choices.includes(v)) {
      throw new UsageError(`${where}: ${name}=${v} is not one of ${spec.choices.join(", ")}`);
    }
  };
  switch (spec.type) {
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value)) throw bad("a number");
      break;
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) throw bad("an integer");
      break;
    case "boolean":
      if (typeof value !== "boolean") throw bad("a boolean (true or false)");
      break;
    case "string":
      if (typeof value !== "string") throw bad("a string");
      choice(value);
      break;
    case "number[]":
      if (!Array.isArray(value) || value.some((v) => typeof v !== "number" || !Number.isFinite(v))) {
        throw bad("a comma list of numbers");
      }
      break;
    case "string[]":
      if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
        throw bad("a comma list of strings");
      }
      value.forEach(choice);
      break;
  }
}

/** Only the params a stage declared, with their effective values. */
export function pick(params: Params, names: readonly string[]): Params {
  const out: Params = {};
  for (const n of names) out[n] = params[n];
  return out;
}
