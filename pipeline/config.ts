/**
 * Effective params: schema defaults, then the profile, then `--set NAME=VALUE` overrides, each
 * value parsed and checked against its ParamSpec (type, choices, bounds). Errors are UsageErrors
 * (exit 2) of one line that name the param, the value and what it accepts.
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

const ELEMENT = { "string[]": "string", "number[]": "number", "integer[]": "integer" } as const;
const LIST_OF = { string: "strings", number: "numbers", integer: "integers" } as const;

function parseValue(spec: ParamSpec, raw: string, name: string): unknown {
  if (spec.type === "string[]" || spec.type === "number[]" || spec.type === "integer[]") {
    const parts = raw.trim() === "" ? [] : raw.split(",");
    const el = ELEMENT[spec.type];
    try {
      return parts.map((p) => parseScalar(el, p, name));
    } catch {
      throw new UsageError(`--set ${name}=${raw}: expected a comma list of ${LIST_OF[el]}`);
    }
  }
  return parseScalar(spec.type, raw, name);
}

/** The spec's bounds as text, e.g. `T ≥ 1`, `0 < gamma ≤ 1`; undefined when it has none. */
export function boundsText(name: string, spec: ParamSpec): string | undefined {
  const lo = spec.gt !== undefined ? `${spec.gt} <` : spec.min !== undefined ? `${spec.min} ≤` : undefined;
  const hi = spec.lt !== undefined ? `< ${spec.lt}` : spec.max !== undefined ? `≤ ${spec.max}` : undefined;
  if (lo && hi) return `${lo} ${name} ${hi}`;
  if (lo) return `${name} ${spec.gt !== undefined ? ">" : "≥"} ${spec.gt ?? spec.min}`;
  if (hi) return `${name} ${hi}`;
  return undefined;
}

/** Whether `v` lies within the spec's bounds. */
function inBounds(spec: ParamSpec, v: number): boolean {
  return (spec.min === undefined || v >= spec.min) && (spec.max === undefined || v <= spec.max) &&
    (spec.gt === undefined || v > spec.gt) && (spec.lt === undefined || v < spec.lt);
}

/**
 * Throws a UsageError unless `value` has the spec's type, is one of its choices and lies within
 * its bounds (every element, for lists); the message names the param, the value and the bound.
 */
export function checkValue(schema: ParamSchema, name: string, value: unknown, where: string): void {
  const spec = specOf(schema, name, where);
  const bad = (expected: string) =>
    new UsageError(`${where}: param ${name} expects ${expected}, got ${JSON.stringify(value)}`);
  const choice = (v: string) => {
    if (spec.choices && !spec.choices.includes(v)) {
      throw new UsageError(`${where}: ${name}=${v} is not one of ${spec.choices.join(", ")}`);
    }
  };
  const bounded = (v: number) => {
    if (inBounds(spec, v)) return;
    const shown = Array.isArray(value) && value.length > 1
      ? `${value.join(",")} has ${v}, which is`
      : `${v} is`;
    throw new UsageError(
      `${where}: ${name}=${shown} out of range (needs ${Array.isArray(value) ? "each value: " : ""}${
        boundsText(name, spec)
      })`,
    );
  };
  const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
  switch (spec.type) {
    case "number":
      if (!isNumber(value)) throw bad("a number");
      bounded(value);
      break;
    case "integer":
      if (!isNumber(value) || !Number.isInteger(value)) throw bad("an integer");
      bounded(value);
      break;
    case "boolean":
      if (typeof value !== "boolean") throw bad("a boolean (true or false)");
      break;
    case "string":
      if (typeof value !== "string") throw bad("a string");
      choice(value);
      break;
    case "number[]":
    case "integer[]": {
      const integer = spec.type === "integer[]";
      if (!Array.isArray(value) || value.some((v) => !isNumber(v) || (integer && !Number.isInteger(v)))) {
        throw bad(`a comma list of ${integer ? "integers" : "numbers"}`);
      }
      value.forEach(bounded);
      break;
    }
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
