import { AppError } from "../errors";

/** Messages to show beside form fields, by field name; `_form` is for the form as a whole. */
export type FieldErrors = Record<string, string>;

interface Issue {
  path: readonly PropertyKey[];
  message: string;
}

/** Schema issues (the JSON API's own schemas) as words beside each field, first issue per field. */
export function fieldErrorsOf(issues: readonly Issue[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const field = String(issue.path[0] ?? "_form");
    errors[field] ??= sentence(issue.message);
  }
  return errors;
}

function sentence(message: string): string {
  const text = message.trim();
  return text.charAt(0).toUpperCase() + text.slice(1).replace(/\.?$/, ".");
}

/** A message that starts with its field's name, without it: beside the field, the name goes without saying. */
function withoutFieldName(message: string, field: string): string {
  return message.startsWith(`${field}.`) || message.startsWith(`${field} `) ? message.slice(field.length + 1) : message;
}

/**
 * A service's refusal of a form, beside the field it names (its `field`, or `Invalid expires_at: …`),
 * else above the form. Anything not a form mistake (session, rate limit, not found) is rethrown
 * for the page.
 */
export function formErrorOf(err: unknown, fields: readonly string[]): FieldErrors {
  if (!(err instanceof AppError) || (err.status !== 400 && err.status !== 409)) throw err;
  const { field } = err.options;
  if (field && fields.includes(field)) return { [field]: sentence(withoutFieldName(err.publicMessage, field)) };
  const named = /^Invalid ([A-Za-z_]+)(?:\.[^:]*)?: (.*)$/.exec(err.publicMessage);
  if (named?.[1] && fields.includes(named[1])) return { [named[1]]: sentence(named[2] ?? "") };
  return { _form: err.publicMessage };
}
