/**
 * Checks a value against a schema of Gatehouse's own `/openapi.json`, for tests that compare what
 * a route really sent with what the document declares. Only the JSON Schema the generator writes
 * for our error bodies and headers: `$ref` into `components.schemas`, `type`, `enum`, `const`,
 * `properties`, `required`, `additionalProperties: false`, `minimum`, `anyOf`/`oneOf`. Anything
 * else in a schema is reported as unsupported rather than ignored, so a check never passes by
 * skipping what it cannot read.
 */

export type Schema = Record<string, unknown>;

const SUPPORTED = new Set([
  "$ref",
  "type",
  "enum",
  "const",
  "properties",
  "required",
  "additionalProperties",
  "minimum",
  "anyOf",
  "oneOf",
  "description",
  "example",
]);

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(expected: string, value: unknown): boolean {
  const actual = typeOf(value);
  return actual === expected || (expected === "number" && actual === "integer");
}

/** What is wrong with `value` under `schema` (empty when it conforms); `at` names the place. */
export function schemaProblems(value: unknown, schema: Schema, schemas: Record<string, Schema>, at = "$"): string[] {
  const unsupported = Object.keys(schema).filter((keyword) => !SUPPORTED.has(keyword));
  if (unsupported.length > 0) return [`${at}: unsupported keyword(s) ${unsupported.join(", ")}`];
  if (typeof schema.$ref === "string") {
    const name = schema.$ref.replace("#/components/schemas/", "");
    const target = schemas[name];
    return target ? schemaProblems(value, target, schemas, at) : [`${at}: unknown $ref ${schema.$ref}`];
  }
  const alternatives = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (alternatives && !alternatives.some((option) => schemaProblems(value, option, schemas, at).length === 0)) {
    return [`${at}: matches none of its alternatives`];
  }
  const problems: string[] = [];
  const types = schema.type === undefined ? [] : [schema.type].flat().map(String);
  if (types.length > 0 && !types.some((type) => typeMatches(type, value))) {
    return [`${at}: ${typeOf(value)}, not ${types.join(" or ")}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) problems.push(`${at}: not one of ${schema.enum}`);
  if ("const" in schema && schema.const !== value) problems.push(`${at}: not ${String(schema.const)}`);
  if (typeof schema.minimum === "number" && typeof value === "number" && value < schema.minimum) {
    problems.push(`${at}: below ${schema.minimum}`);
  }
  if (typeOf(value) === "object") {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[]) {
      if (!(name in object)) problems.push(`${at}.${name}: missing`);
    }
    for (const [name, property] of Object.entries(object)) {
      const declared = properties[name];
      if (declared) problems.push(...schemaProblems(property, declared, schemas, `${at}.${name}`));
      else if (schema.additionalProperties === false) problems.push(`${at}.${name}: not declared`);
    }
  }
  return problems;
}
