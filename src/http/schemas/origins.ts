import { z } from "@hono/zod-openapi";
import { EXACT_ORIGIN_RULE, isExactOrigin, MAX_ORIGIN_LENGTH } from "../../exact-origin";

/** How many browser origins one list (a publishable key's, a tenant's) may name. */
export const MAX_ALLOWED_ORIGINS = 20;

/** A list of exact browser origins, as the admin and key APIs accept it. */
export const allowedOriginListSchema = z
  .array(z.string().max(MAX_ORIGIN_LENGTH).refine(isExactOrigin, { message: EXACT_ORIGIN_RULE }))
  .max(MAX_ALLOWED_ORIGINS)
  .openapi({ example: ["https://app.example.com"] });
