#!/bin/sh
# Prints an HS256 token for the local stack's API:  docker/token.sh USER [admin] [SECONDS]
# Signed with SSE_JWT_SECRET, by default the same local-only default as docker/compose.yaml. Needs openssl.
#   curl -N -H "Authorization: Bearer $(docker/token.sh alice)" -H 'Accept: text/event-stream' \
#        http://localhost:8080/api/v1/events/executions/<execution id>
set -eu

user=${1:?usage: token.sh USER [admin] [SECONDS]}
role=${2:-user}
seconds=${3:-3600}
secret=${SSE_JWT_SECRET:-local-only-sse-router-secret-change-me-0123456789}

case $user in
    *[!A-Za-z0-9._:-]*) echo "user ids are 1-128 characters of [A-Za-z0-9._:-]" >&2; exit 2 ;;
esac
case $role in
    admin) roles='["user","admin"]' ;;
    user) roles='["user"]' ;;
    *) echo "the second argument is 'admin' or nothing" >&2; exit 2 ;;
esac

b64url() {
    openssl base64 -A | tr '+/' '-_' | tr -d '='
}
now=$(date +%s)
header=$(printf '%s' '{"alg":"HS256","typ":"JWT"}' | b64url)
claims=$(printf '{"sub":"%s","roles":%s,"iat":%d,"exp":%d}' "$user" "$roles" "$now" "$((now + seconds))" | b64url)
signature=$(printf '%s.%s' "$header" "$claims" | openssl dgst -sha256 -hmac "$secret" -binary | b64url)
printf '%s.%s.%s\n' "$header" "$claims" "$signature"
