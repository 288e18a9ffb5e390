import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { ApiKeyPrincipal, CredentialKind, CredentialPolicy, PersPrincipal, UserPrincipal } from "../domain";
import type { AppEnv, AuthenticatedEnv } from "../http/context";
import { presentedCredentials } from "../http/credential-headers";
import { authenticateCredentials } from "../services/auth/authenticate";

/** The principal a route sees, given the credential kinds it accepts. */
type PrincipalFor<K extends CredentialKind> = K extends "api_key"
  ? ApiKeyPrincipal
  : K extends "pers"
    ? PersPrincipal
    : UserPrincipal;

/**
 * The one way a request is authenticated, for Gatehouse's own routes and the gateway alike: reads
 * every credential the request presents (`http/credential-headers.ts`), lets `services/auth`
 * choose and check the one that counts under `policy`, and puts the principal on
 * `c.get("principal")`. `policy` may be computed per request (the gateway's matched route); null
 * means the request needs no credential at all.
 */
export function authenticate<const K extends CredentialKind>(
  policy: CredentialPolicy & { accept: readonly K[] },
): ReturnType<typeof createMiddleware<AuthenticatedEnv<PrincipalFor<K>>>>;
export function authenticate<E extends AppEnv>(
  policy: (c: Context<E>) => CredentialPolicy | null,
): ReturnType<typeof createMiddleware<E>>;
export function authenticate(policy: CredentialPolicy | ((c: Context<AppEnv>) => CredentialPolicy | null)) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const chosen = typeof policy === "function" ? policy(c) : policy;
    if (chosen) {
      const principal = await authenticateCredentials(c.get("deps"), presentedCredentials(c.req), chosen);
      if (principal) c.set("principal", principal);
    }
    await next();
  });
}

/** `adminuser` bearer tokens only: the admin API's guard. */
export const adminOnly = authenticate({ accept: ["bearer"], userTypes: ["adminuser"] });
