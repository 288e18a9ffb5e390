import { createMiddleware } from "hono/factory";
import { AppError } from "../errors";
import type { AppEnv } from "./context";

/** Percent-decoding layers undone before giving up: `%25252F` is as far as any real client goes. */
const MAX_DECODING_LAYERS = 4;
const ENCODED_SEPARATOR = /%(2f|5c)/i;
const CONFUSING_CHARACTER = /[\\;]/;
/**
 * Escapes no client has reason to send and some decoders read as something else: control
 * characters (NUL cuts a path short in C), IIS's `%uXXXX`, and the overlong UTF-8 lead bytes
 * `%C0`/`%C1` (`%C0%AE` is `.` to a lax decoder).
 */
const NONSTANDARD_ESCAPE = /%(?:[01][0-9a-f]|7f|c0|c1|u[0-9a-f]{4})/i;
/** An encoded `?` or `#` one layer down (`%253F`): a twice-decoding origin ends the path there. */
const ENCODED_PATH_END = /%(3f|23)/i;

const PERCENT_ESCAPE = /%([0-9a-f]{2})/gi;

/**
 * One layer of percent-decoding, escape by escape, as the most lenient origin decodes:
 * `decodeURIComponent` gives up on a whole string for one escape that is not UTF-8 (`%ff`), which
 * would leave every deeper layer unexamined. Only ASCII matters to the callers (separators, a
 * cookie's name), so a byte above 0x7f may stand for itself as a Latin-1 character.
 */
export function decodedOnce(layer: string): string {
  return layer.replace(PERCENT_ESCAPE, (_escape, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

function hasDotSegment(path: string): boolean {
  return path.split("/").some((segment) => segment === "." || segment === "..");
}

/** `//`: many origins merge slashes (nginx by default), so `/v1//admin` is their `/v1/admin`. */
function hasEmptySegment(path: string): boolean {
  return path.includes("//");
}

/**
 * Whether `pathname` could name one path to us and another to an origin or a framework: an
 * encoded `/` or `\` (at any layer of percent-encoding), a `\` or `;` (Tomcat-style path
 * parameters, `..;/`), an empty segment (`//`), a `.`/`..` segment once decoded, an encoded
 * control character, `%uXXXX` or overlong UTF-8, or a `?`/`#` encoded twice. Characters that are
 * not separators, such as `%20` or a once-encoded `%3F`, are fine.
 */
export function isAmbiguousPath(pathname: string): boolean {
  let layer = pathname;
  for (let round = 0; round < MAX_DECODING_LAYERS; round++) {
    if (ENCODED_SEPARATOR.test(layer) || CONFUSING_CHARACTER.test(layer) || hasDotSegment(layer)) return true;
    if (NONSTANDARD_ESCAPE.test(layer) || (round > 0 && ENCODED_PATH_END.test(layer))) return true;
    if (hasEmptySegment(layer)) return true;
    const next = decodedOnce(layer);
    if (next === layer) return false;
    layer = next;
  }
  return true;
}

/** Refuses an ambiguous path with 400 before any route, own or gateway, is matched. */
export const refuseAmbiguousPaths = createMiddleware<AppEnv>(async (c, next) => {
  const { pathname } = new URL(c.req.url);
  if (isAmbiguousPath(pathname)) throw new AppError("ambiguous_path", { detail: pathname.slice(0, 200) });
  await next();
});
