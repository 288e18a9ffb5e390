import type { ClientInfo, PersAuthType } from "../../domain";
import { AppError } from "../../errors";
import { findEnabledProviderByIssuer } from "../../storage/identity-providers";
import { recordAudit } from "../audit/audit-log";
import type { Deps } from "../deps";
import { authorizeAuthType } from "./auth-type-rules";
import { inspectIdentityToken, verifyIdentityToken } from "./identity-tokens";
import { type PersTokenPair, startPersSession } from "./pers-sessions";
import type { ProjectTenant } from "./project-key";
import { loadTenantSettings, type TenantSettings } from "./tenant-settings";
import { createAnonymousTenantUser, tenantUserForIdentity } from "./tenant-users";

export interface ExchangeRequest {
  authToken?: string;
  authType: PersAuthType;
  /** Validated by the route: a small, shallow JSON object. */
  rawLoginData?: Record<string, unknown>;
  /** Where the request came from, for the audit trail. */
  client?: ClientInfo;
}

/**
 * `POST /v2/auth/token`: an identity provider's token (or, where the tenant allows it, raw login
 * data for an anonymous user) becomes a PERS session of the project key's tenant.
 *
 * Order: authenticate (the token verifies against one of the tenant's providers), then authorize
 * (the auth type, then the tenant user: a disabled one is a 403, never a 401, so a client does not
 * take a good identity token for a bad one), and only then write anything (tenant user, refresh
 * family).
 */
export async function exchangeToken(
  deps: Deps,
  tenant: ProjectTenant,
  request: ExchangeRequest,
): Promise<PersTokenPair> {
  let known: TenantSettings | undefined;
  if (request.rawLoginData !== undefined) {
    known = await loadTenantSettings(deps, tenant.tenantId);
    if (usesRawLoginData(known, request)) return startAnonymousSession(deps, tenant, request.rawLoginData);
  }
  if (!request.authToken) throw new AppError("invalid_request", { publicMessage: "authToken is required." });

  const { settings, provider, identity } = await verifyForTenant(deps, tenant, request.authToken, known);
  authorizeAuthType(settings, request.authType, identity);

  const user = await tenantUserForIdentity(deps, tenant.tenantId, identity);
  if (user.status === "disabled") {
    recordAudit(
      deps,
      { principal: null, ...request.client },
      {
        action: "auth.login_failed",
        tenant: tenant.tenantPublicId,
        target: user.publicId,
        details: {
          flow: "token_exchange",
          auth_type: request.authType,
          issuer: provider.issuer,
          reason: "user_disabled",
        },
      },
    );
    throw new AppError("user_disabled", { detail: "an operator disabled this tenant user" });
  }
  recordAudit(
    deps,
    { principal: null, ...request.client },
    {
      action: "auth.login",
      tenant: tenant.tenantPublicId,
      target: user.publicId,
      details: { flow: "token_exchange", auth_type: request.authType, issuer: provider.issuer },
    },
  );
  return startTenantUserSession(deps, tenant, user, request.authType, false);
}

/**
 * The identity a provider's token proves for this tenant. Every refusal is the same
 * `invalid_token` on the wire; the operator's log gets the precise reason and the provider (by
 * its id, or the issuer the token named when no provider matched), never the token.
 */
async function verifyForTenant(deps: Deps, tenant: ProjectTenant, token: string, known?: TenantSettings) {
  let issuer: string | undefined;
  let providerId: string | undefined;
  try {
    const inspected = inspectIdentityToken(token);
    issuer = inspected.issuer;
    const [settings, provider] = await Promise.all([
      known ?? loadTenantSettings(deps, tenant.tenantId),
      findEnabledProviderByIssuer(deps.db, tenant.tenantId, inspected.issuer),
    ]);
    if (!provider) {
      throw new AppError("invalid_token", {
        detail: "identity token: no enabled provider of the tenant has this issuer",
      });
    }
    providerId = provider.publicId;
    const identity = await verifyIdentityToken(deps, provider, token, inspected);
    return { settings, provider, identity };
  } catch (error) {
    if (error instanceof AppError && error.code === "invalid_token") {
      console.warn(
        JSON.stringify({
          level: "warn",
          event: "identity_token_refused",
          tenant: tenant.tenantPublicId,
          provider: providerId ?? null,
          issuer: issuer?.slice(0, 256) ?? null,
          reason: error.options.detail,
        }),
      );
    }
    throw error;
  }
}

/**
 * Whether `rawLoginData` starts an anonymous user session. PERS uses it "instead of token
 * verification" only where the tenant allows unauthenticated users, and for user sessions; anywhere
 * else a request that also carries an `authToken` has that token verified as usual (the seed's own
 * example sends both), and one without says why it cannot be served.
 */
function usesRawLoginData(settings: TenantSettings, request: ExchangeRequest): boolean {
  if (settings.allowJwtForUnauthenticatedUsers && request.authType === "user") return true;
  if (request.authToken) return false;
  if (request.authType !== "user") {
    throw new AppError("invalid_request", { publicMessage: "rawLoginData starts user sessions only (authType user)." });
  }
  throw new AppError("anonymous_login_disabled", { detail: "allowJWTForUnauthenticatedUsers is off" });
}

async function startAnonymousSession(
  deps: Deps,
  tenant: ProjectTenant,
  rawLoginData: Record<string, unknown>,
): Promise<PersTokenPair> {
  const user = await createAnonymousTenantUser(deps, tenant.tenantId, rawLoginData);
  return startTenantUserSession(deps, tenant, user, "user", true);
}

function startTenantUserSession(
  deps: Deps,
  tenant: ProjectTenant,
  user: { id: number; publicId: string },
  authType: PersAuthType,
  anonymous: boolean,
): Promise<PersTokenPair> {
  return startPersSession(deps, {
    tenantId: tenant.tenantId,
    tenantUserId: user.id,
    session: {
      tenantPublicId: tenant.tenantPublicId,
      tenantUserPublicId: user.publicId,
      authType,
      anonymous,
      mode: tenant.mode,
    },
  });
}
