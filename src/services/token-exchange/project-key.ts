import { AppError } from "../../errors";
import type { ApiKeyRecord } from "../../storage/api-keys";
import { verifyApiKey } from "../api-keys/verification";
import type { Deps } from "../deps";

/** The tenant (a business) a publishable project key belongs to. */
export interface ProjectTenant {
  /** `businesses.id`. */
  tenantId: number;
  /** `businesses.public_id`: what PERS tokens carry as `tenant_id`. */
  tenantPublicId: string;
  mode: "test" | "live";
}

/**
 * Turns a presented project key into its tenant, or throws `invalid_project_key`: unknown,
 * revoked and expired keys are refused with the API-key service's reason, and so is every secret
 * (`sk_…`) key: a project key is public and travels in browsers, so a secret key sent in its place
 * is refused rather than honoured.
 */
async function tenantOfProjectKey(deps: Deps, projectKey: string): Promise<ProjectTenant> {
  let record: ApiKeyRecord;
  try {
    record = await verifyApiKey(deps, projectKey);
  } catch (error) {
    // Only a refusal of the key is the key's fault: an outage (503) stays what it is.
    if (!(error instanceof AppError) || error.code !== "invalid_api_key") throw error;
    throw new AppError("invalid_project_key", { reason: error.options.reason, detail: error.options.detail });
  }
  if (record.kind !== "publishable") {
    throw new AppError("invalid_project_key", { reason: "secret_key", detail: "a secret key sent as a project key" });
  }
  return { tenantId: record.businessId, tenantPublicId: record.tenantId, mode: record.mode };
}

const MAX_PROJECT_KEY_LENGTH = 256;

export interface PresentedProjectKeys {
  /** `X-API-Key`. */
  apiKey: string | undefined;
  /** `x-project-key`. */
  projectKey: string | undefined;
}

/**
 * The tenant named by the request's project key. Either header may carry it; when both are sent
 * they must be identical, else 401: two different keys make the tenant ambiguous, and picking one
 * would let a proxy or a script confuse which tenant a request is charged to.
 */
export async function resolveProjectTenant(deps: Deps, presented: PresentedProjectKeys): Promise<ProjectTenant> {
  const apiKey = presented.apiKey?.trim() || undefined;
  const projectKey = presented.projectKey?.trim() || undefined;
  if (apiKey === undefined && projectKey === undefined) throw new AppError("missing_project_key");
  if (apiKey !== undefined && projectKey !== undefined && apiKey !== projectKey) {
    throw new AppError("invalid_project_key", { detail: "X-API-Key and x-project-key disagree" });
  }
  const key = (apiKey ?? projectKey) as string;
  if (key.length > MAX_PROJECT_KEY_LENGTH) throw new AppError("invalid_project_key", { detail: "oversized key" });
  return tenantOfProjectKey(deps, key);
}
