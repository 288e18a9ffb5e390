import type { Context } from "hono";
import type { BearerAuthEnv } from "../middleware/bearer-auth";
import type { UserActor } from "../services/audit/audit-log";
import { clientInfo } from "./client-info";

/** The signed-in caller and where the request came from, as audit rows record them. */
export function actorOf(c: Context<BearerAuthEnv>): UserActor {
  return { principal: c.get("principal"), ...clientInfo(c.req) };
}
