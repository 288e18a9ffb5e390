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

/**
 * Text shown to people (names): no control characters, and none of the bidirectional overrides
 * and isolates (U+202A–U+202E, U+2066–U+2069) that make a name display as other text, in the
 * dashboard and the CLI's tables alike.
 */
export const DISPLAYABLE_TEXT = /^[^\p{Cc}\u202a-\u202e\u2066-\u2069]*$/u;
export const UNDISPLAYABLE_TEXT_MESSAGE = "must not contain control or bidirectional-override characters";
