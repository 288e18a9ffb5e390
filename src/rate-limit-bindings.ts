/**
 * Gatehouse's rate limiters, by the name code uses, with the binding that implements each
 * (`[[ratelimits]]` in wrangler.toml holds the limits). Cloudflare's binding counts per location
 * in fixed windows, which is what abuse control needs and is immediately consistent there —
 * unlike KV counters, which could be read stale and would cost a write per attempt.
 *
 * Keys are a client IP bucket (IPv6 by its /64: services/ip-buckets.ts) or a hash, never a raw
 * secret or email:
 *
 *   login_ip            client IP                          every login attempt: token, cookie, dashboard
 *   login_account_ip    H(normalized email) + client IP    tight: one source guessing one account
 *   login_account       H(normalized email)                failed logins only, from clients without
 *                                                          a device token: many sources, one account
 *   login_device        account + device token nonce       failed logins only, from one signed-in device
 *   register_ip         client IP                          registrations
 *   refresh_ip          client IP                          refreshes, Ping and PERS
 *   refresh_session     H(user id + session id)            refreshes of one verified session
 *   token_exchange_ip   client IP                          PERS token exchanges
 *   api_key_failure_ip  client IP                          refused API keys only (failures)
 */
export const RATE_LIMIT_BINDINGS = {
  login_ip: "LOGIN_IP_LIMITER",
  login_account_ip: "LOGIN_ACCOUNT_IP_LIMITER",
  login_account: "LOGIN_ACCOUNT_LIMITER",
  login_device: "LOGIN_DEVICE_LIMITER",
  register_ip: "REGISTER_IP_LIMITER",
  refresh_ip: "REFRESH_IP_LIMITER",
  refresh_session: "REFRESH_SESSION_LIMITER",
  token_exchange_ip: "TOKEN_EXCHANGE_IP_LIMITER",
  api_key_failure_ip: "API_KEY_FAILURE_IP_LIMITER",
} as const;
