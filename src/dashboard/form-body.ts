import type { Context } from "hono";
import { readBoundedBody } from "../bounded-body";
import { AppError } from "../errors";

/** No dashboard form comes near this; inline JWKS are the largest. */
const MAX_FORM_BYTES = 64 * 1024;

/** A submitted form's fields: one value per name (the last), and every value for checkbox groups. */
export interface FormFields {
  get(name: string): string;
  all(name: string): string[];
}

/** Reads an `application/x-www-form-urlencoded` body without ever buffering more than the bound. */
export async function readForm(c: Context): Promise<FormFields> {
  const type = c.req.header("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    throw new AppError("unsupported_media_type", { publicMessage: "The form could not be read." });
  }
  const bytes = await readBoundedBody(c.req.raw, MAX_FORM_BYTES);
  if (bytes === null) throw new AppError("payload_too_large");
  const params = new URLSearchParams(new TextDecoder().decode(bytes));
  return {
    get: (name) => (params.getAll(name).at(-1) ?? "").trim(),
    all: (name) => params.getAll(name),
  };
}
