import { AppError } from "../../errors";
import type { FamilyAuthorization } from "../../storage/pers-authorization";
import { authorizeAuthType } from "./auth-type-rules";
import type { PersSession } from "./pers-tokens";

/**
 * Why a family may no longer be refreshed, or null while everything that authorized its exchange
 * still holds: the tenant (not suspended), the tenant user (not disabled), the identity provider
 * (enabled), and the auth type under the tenant's current settings (the admin list for `tenant`;
 * anonymous users still allowed for an anonymous session). The same rules as the exchange, read
 * again from D1.
 */
export function refreshRefusal(found: FamilyAuthorization | null, session: PersSession): string | null {
  if (!found) return "refresh token row gone";
  if (found.tenantPublicId !== session.tenantPublicId) return "tenant mismatch";
  if (found.tenantStatus === "suspended") return "tenant suspended";
  const user = found.tenantUser;
  if (!user || user.publicId !== session.tenantUserPublicId) return "tenant user gone";
  if (user.status === "disabled") return "tenant user disabled";
  const settings = {
    allowJwtForUnauthenticatedUsers: found.settings?.allowJwtForUnauthenticatedUsers ?? false,
    enabledAuthTypes: found.settings?.enabledAuthTypes ?? [],
    adminIdentities: found.settings?.adminIdentities ?? [],
    allowedOrigins: null,
    updatedAt: null,
  };
  if (session.anonymous || user.kind === "anonymous") {
    if (!(session.anonymous && user.kind === "anonymous")) return "anonymous flag disagrees with the user";
    return settings.allowJwtForUnauthenticatedUsers ? null : "anonymous users no longer allowed";
  }
  if (!found.identity) return "identity link gone";
  if (!found.providerEnabled) return "identity provider removed or disabled";
  try {
    authorizeAuthType(settings, session.authType, { ...found.identity, email: null, name: null });
  } catch (error) {
    if (error instanceof AppError) return `auth type no longer authorized: ${error.options.detail}`;
    throw error;
  }
  return null;
}
