import type { ClientInfo, PersAuthType } from "../../domain";
import { AppError } from "../../errors";
import { findEnabledProviderByIssuer } from "../../storage/identity-providers";
import { recordAudit } from "../audit/audit-log";
import type { Deps } from "../deps";
import { inspectIdentityToken, verifyIdentityToken } from "./identity-tokens";
import { type PersTokenPair, startPersSession } from "./pers-sessions";
import type { ProjectTenant } from "./project-key";
import { authorizeAuthType, loadTenantSettings } from "./tenant-settings";
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
 * (the auth type), and only then write anything (tenant user, refresh family).
 */
export async function exchangeToken(
  deps: Deps,
  tenant: ProjectTenant,
  request: ExchangeRequest,
): Promise<PersTokenPair> {
  if (request.rawLoginData !== undefined) {
    if (request.authType !== "user") {
      throw new AppError("invalid_request", {
        publicMessage: "rawLoginData starts user sessions only (authType user).",
      });
    }
    return startAnonymousSession(deps, tenant, request.rawLoginData);
  }
  if (!request.authToken) throw new AppError("invalid_request", { publicMessage: "authToken is required." });

  const inspected = inspectIdentityToken(request.authToken);
  const [settings, provider] = await Promise.all([
    loadTenantSettings(deps, tenant.tenantId),
    findEnabledProviderByIssuer(deps.db, tenant.tenantId, inspected.issuer),
  ]);
  if (!provider)
    throw new AppError("invalid_token", { detail: "identity token: no provider of the tenant has this issuer" });
  const identity = await verifyIdentityToken(deps, provider, request.authToken, inspected);
  authorizeAuthType(settings, request.authType, identity);

  const user = await tenantUserForIdentity(deps, tenant.tenantId, identity);
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

async function startAnonymousSession(
  deps: Deps,
  tenant: ProjectTenant,
  rawLoginData: Record<string, unknown>,
): Promise<PersTokenPair> {
  const settings = await loadTenantSettings(deps, tenant.tenantId);
  if (!settings.allowJwtForUnauthenticatedUsers) {
    throw new AppError("anonymous_login_disabled", { detail: "allowJWTForUnauthenticatedUsers is off" });
  }
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
    session: { tenantPublicId: tenant.tenantPublicId, tenantUserPublicId: user.publicId, authType, anonymous },
  });
}
