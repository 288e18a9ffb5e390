#!/usr/bin/env bash
# The README's quickstart, runnable top to bottom against `npm run dev` (http://localhost:8787).
# Needs only curl and Node (already a prerequisite). Every variable is set by a step before it;
# run it as often as you like: each run makes its own key and sessions.
set -euo pipefail
GATEHOUSE=${GATEHOUSE:-http://localhost:8787}
export GATEHOUSE_URL=$GATEHOUSE # where the CLI (step 11) goes

# field NAME: prints one field of the JSON on standard input (`a.b` for nested ones).
field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let v=JSON.parse(s);for(const k of process.argv[1].split("."))v=v?.[k];if(v===undefined){console.error("no "+process.argv[1]+" in "+s);process.exit(1)}console.log(typeof v==="object"?JSON.stringify(v):v)})' "$1"; }
step() { printf '\n== %s\n' "$*"; }

step "1. Log in for tokens (Ping) as the demo user"
LOGIN=$(curl -sf -X POST "$GATEHOUSE/v1/auth/login" -H "User-Type: user" \
  -H "Content-Type: application/json" -d '{"email": "ursula@example.com", "password": "user-password-1"}')
ACCESS=$(echo "$LOGIN" | field accessToken)
REFRESH=$(echo "$LOGIN" | field refreshToken)
BUSINESS_ID=$(echo "$LOGIN" | field businesses.0.public_id)
echo "signed in; business $BUSINESS_ID"

step "2. Who am I, with the access token"
curl -sf "$GATEHOUSE/v1/auth/session" -H "Authorization: Bearer $ACCESS" -H "User-Type: user" | field session.public_id

step "3. Through the gateway: the demo origin echoes the verified identity it received"
curl -sf "$GATEHOUSE/v1/get/profile" -H "Authorization: Bearer $ACCESS" -H "User-Type: user" | field headers.x-auth-user-id

step "4. Create an API key (the key is shown once)"
CREATED=$(curl -sf -X POST "$GATEHOUSE/v1/api-keys" -H "Authorization: Bearer $ACCESS" -H "User-Type: user" \
  -H "Content-Type: application/json" \
  -d "{\"business_id\": \"$BUSINESS_ID\", \"name\": \"Quickstart\", \"kind\": \"secret\", \"mode\": \"test\", \"permissions\": [\"sms\"]}")
KEY=$(echo "$CREATED" | field key)
KEY_ID=$(echo "$CREATED" | field api_key.id)
echo "created $KEY_ID"

step "5. Send an SMS with it through the gateway (a test key goes to the sandbox)"
curl -sf -X POST "$GATEHOUSE/v1/notification/api/sms/send" -H "X-Ping-Api-Key: $KEY" \
  -H "Content-Type: application/json" -d '{"to": "+263771234567", "message": "Hello"}' | field path

step "6. Roll it: a new key; the old one keeps working for the grace period"
ROLLED=$(curl -sf -X POST "$GATEHOUSE/v1/api-keys/$KEY_ID/roll" -H "Authorization: Bearer $ACCESS" -H "User-Type: user")
NEW_KEY=$(echo "$ROLLED" | field key)
NEW_KEY_ID=$(echo "$ROLLED" | field api_key.id)
echo "old key works until $(echo "$ROLLED" | field previous.grace_until)"

step "7. Revoke the new key, and see it refused"
curl -sf -X DELETE "$GATEHOUSE/v1/api-keys/$NEW_KEY_ID" -H "Authorization: Bearer $ACCESS" -H "User-Type: user" | field api_key.status
curl -s -o /dev/null -w "%{http_code}\n" -X POST "$GATEHOUSE/v1/notification/api/sms/send" -H "X-Ping-Api-Key: $NEW_KEY" \
  -H "Content-Type: application/json" -d '{"to": "+263771234567", "message": "Hello"}'

step "8. Cookie session (PingPage): log in, read /v1/me, log out"
JAR=$(mktemp)
curl -sf -c "$JAR" -X POST "$GATEHOUSE/v1/auth/login" -H "Content-Type: application/json" \
  -d '{"email": "ursula@example.com", "password": "user-password-1"}' > /dev/null
curl -sf -b "$JAR" "$GATEHOUSE/v1/me" | field email
curl -sf -b "$JAR" -X POST "$GATEHOUSE/v1/auth/logout" -o /dev/null -w "%{http_code}\n"
rm -f "$JAR"

step "9. Token exchange (PERS): the demo identity provider's token for Gatehouse tokens"
ID_TOKEN=$(npx --no-install gatehouse demo-idp-token --sub quickstart-user)
PERS=$(curl -sf -X POST "$GATEHOUSE/v2/auth/token" -H "Content-Type: application/json" \
  -H "X-API-Key: pk_test_64nrBHpi2AcRLCRJw6Y7Cw3uEJzRpLX3c2fDhCo" \
  -d "{\"authToken\": \"$ID_TOKEN\", \"authType\": \"user\"}")
PERS_ACCESS=$(echo "$PERS" | field accessToken)
curl -sf -X POST "$GATEHOUSE/v2/auth/verify" -H "Content-Type: application/json" \
  -H "X-API-Key: pk_test_64nrBHpi2AcRLCRJw6Y7Cw3uEJzRpLX3c2fDhCo" \
  -d "{\"authToken\": \"$PERS_ACCESS\"}" | field valid

step "10. Refresh the Ping access token, then log out (the refresh token stops working)"
curl -sf -X POST "$GATEHOUSE/v1/auth/refresh" -H "Content-Type: application/json" \
  -d "{\"refreshToken\": \"$REFRESH\", \"userType\": \"user\"}" | field result
curl -sf -X POST "$GATEHOUSE/v1/auth/logout" -H "Authorization: Bearer $ACCESS" -H "User-Type: user" -o /dev/null -w "%{http_code}\n"
curl -s -o /dev/null -w "%{http_code}\n" -X POST "$GATEHOUSE/v1/auth/refresh" -H "Content-Type: application/json" \
  -d "{\"refreshToken\": \"$REFRESH\", \"userType\": \"user\"}"

step "11. An operator task with the CLI: sign in as the demo admin, list businesses and the audit log"
echo -n admin-password-1 | npx --no-install gatehouse login --email admin@example.com
npx --no-install gatehouse businesses list
npx --no-install gatehouse audit list --limit 5

printf '\nQuickstart done.\n'
