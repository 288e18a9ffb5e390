import { constantTimeEqual, sha256Base64url } from "../crypto/digest";

const encoder = new TextEncoder();

/**
 * The hidden `_csrf` field of every signed-in form: a digest of the session cookie, so it needs no
 * storage, changes with every sign-in, and cannot be computed by a page that cannot read the
 * (HttpOnly) cookie. It backs up the Origin / Fetch-Metadata check, which refuses first.
 */
export function formTokenFor(cookieValue: string): Promise<string> {
  return sha256Base64url(`dashboard-form:${cookieValue}`);
}

export async function isFormTokenValid(cookieValue: string, presented: string | undefined): Promise<boolean> {
  if (!presented) return false;
  const expected = await formTokenFor(cookieValue);
  return constantTimeEqual(encoder.encode(expected), encoder.encode(presented));
}
