import type { ClientInfo } from "../domain";

/** What a session remembers about the client that started it, for the user's session list. */
export function clientInfo(request: { header: (name: string) => string | undefined }): ClientInfo {
  const userAgent = request.header("user-agent")?.slice(0, 256);
  const ip = request.header("cf-connecting-ip")?.slice(0, 64);
  return { ...(userAgent ? { userAgent } : {}), ...(ip ? { ip } : {}) };
}
