import { z } from "@hono/zod-openapi";

/**
 * A string field whose messages read after the field's name, as the default validation hook
 * renders them (`Invalid password: is required`), instead of zod's generic wording.
 */
export function fieldString() {
  return z.string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") });
}

/** `fieldString()` that must hold 1 to `maxLength` characters. */
export function nonEmptyFieldString(maxLength: number) {
  return fieldString()
    .min(1, { error: "must not be empty" })
    .max(maxLength, { error: `must be at most ${maxLength} characters` });
}
