import type { Context } from "hono";
import type { ClientInfo, UserPrincipal } from "../domain";
import type { UserActor } from "../services/audit/audit-log";
import type { AuthenticatedEnv } from "./context";

/** What a session remembers about the client that started it, for the user's session list. */
export function clientInfo(request: { header: (name: string) => string | undefined }): ClientInfo {
  const userAgent = request.header("user-agent")?.slice(0, 256);
  const ip = request.header("cf-connecting-ip")?.slice(0, 64);
  return { ...(userAgent ? { userAgent } : {}), ...(ip ? { ip } : {}) };
}

/** The signed-in caller and where the request came from, as audit rows record them. */
export function actorOf(c: Context<AuthenticatedEnv<UserPrincipal>>): UserActor {
  return { principal: c.get("principal"), ...clientInfo(c.req) };
}
