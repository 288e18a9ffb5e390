/**
 * The part of zod that Gatehouse and its libraries use at run time. Add a name here before using
 * a new `z.…` member: anything missing is `undefined` in the bundle and in the tests alike.
 */
export {
  array,
  boolean,
  coerce,
  email,
  enum,
  iso,
  literal,
  null,
  number,
  object,
  record,
  strictObject,
  string,
  union,
  unknown,
  ZodError,
  ZodType,
} from "zod/v4";
