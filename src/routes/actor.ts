import type { Context } from "hono";
import type { BearerAuthEnv } from "../middleware/bearer-auth";
import type { UserActor } from "../services/audit";

/** The signed-in caller and where the request came from, as audit rows record them. */
export function actorOf(c: Context<BearerAuthEnv>): UserActor {
  const userAgent = c.req.header("user-agent")?.slice(0, 256);
  const ip = c.req.header("cf-connecting-ip");
  return { principal: c.var.principal, ...(userAgent ? { userAgent } : {}), ...(ip ? { ip } : {}) };
}
