import type { Principal } from "../domain";
import type { Bindings } from "../env";
import type { Deps } from "../services/deps";
import type { ProjectTenant } from "../services/token-exchange/project-key";
import type { RequestDatabase } from "../storage/d1-sessions";

/** Which wire dialect errors on a route are written in (rendered by `http/errors.ts`). */
export type Dialect = "ping" | "pingpage" | "pers" | "gateway";

/** What one middleware learned and the next reads, on `c.get(…)`, and the Worker's bindings. */
export interface Variables {
  requestId: string;
  deps: Deps;
  /** This request's D1 session (storage/d1-sessions.ts): where its reads start, its bookmark. */
  d1: RequestDatabase;
  dialect: Dialect;
  principal: Principal;
  /** The tenant named by the PERS project key (`projectKey` middleware). */
  tenant: ProjectTenant;
  /** A page's per-response CSP nonce (the dashboard): its one inline style and script carry it. */
  pageNonce?: string;
  /** Set when the response came from an upstream origin: it then passes back untouched. */
  forwarded?: true;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}

/** The context behind `authenticate`: the principal's type follows from the credentials accepted. */
export interface AuthenticatedEnv<P extends Principal = Principal> extends AppEnv {
  Variables: Variables & { principal: P };
}
