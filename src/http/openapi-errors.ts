import { pingErrorSchema } from "../schemas/ping";

export const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: pingErrorSchema } },
});

/** Every admin route answers these the same way. */
export const adminErrors = {
  400: errorResponse("Malformed request"),
  401: errorResponse("Missing, invalid, expired or revoked access token"),
  403: errorResponse("The caller is not an `adminuser`"),
};
