#!/usr/bin/env bash
# The README tour as a script: every step states what Warden should answer
# and checks it. Runs against `make run` (default addresses) or `make demo`:
#
#   bash examples/walkthrough.sh
#   GATEWAY=https://localhost:8443 IDP=http://localhost:9000 bash examples/walkthrough.sh
#
# `make test` runs it against the Kong-protocol harness
# (examples/walkthrough/walkthrough_test.go). Exits non-zero on the first
# step that answers otherwise.
set -uo pipefail

GATEWAY=${GATEWAY:-https://localhost:8443}
GATEWAY_HTTP=${GATEWAY_HTTP:-http://localhost:8000}
IDP=${IDP:-http://localhost:9000}
# The demo certificate is self-signed.
CURL=(curl -sk --max-time 10)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
steps=0

# step NAME WANT_STATUS CURL_ARGS... : runs one request, checks its status.
step() {
  local name=$1 want=$2
  shift 2
  steps=$((steps + 1))
  local got
  got=$("${CURL[@]}" -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' "$@")
  if [ "$got" = "$want" ]; then
    printf 'ok    %-58s %s\n' "$name" "$got"
  else
    printf 'FAIL  %-58s got %s, want %s\n' "$name" "$got" "$want"
    sed 's/^/      /' "$tmp/body" | head -5
    failures=$((failures + 1))
  fi
}

# expect WHAT PATTERN FILE : the last answer's headers or body match.
expect() {
  if grep -qiE "$2" "$tmp/$3"; then
    printf 'ok      %s\n' "$1"
  else
    printf 'FAIL    %s: no /%s/ in the %s\n' "$1" "$2" "$3"
    failures=$((failures + 1))
  fi
}

token() { "${CURL[@]}" -H 'accept: text/plain' -d "user=$1" "$IDP/token"; }

echo "== Warden walkthrough: gateway $GATEWAY, identity provider $IDP"

step "plain HTTP is refused: every route is HTTPS-only" 426 "$GATEWAY_HTTP/users/alice/orders/1"

step "no credential: warden-auth answers 401" 401 "$GATEWAY/users/alice/orders/1"
expect "with a Bearer challenge" '^www-authenticate: Bearer' headers

ALICE=$(token alice)
BOB=$(token bob)
if [ -z "$ALICE" ] || [ -z "$BOB" ]; then
  echo "FAIL  the identity provider at $IDP issued no token"
  exit 1
fi
echo "ok    got demo tokens for alice and bob from $IDP/token"

step "alice reads her own order with her token" 200 -H "authorization: Bearer $ALICE" "$GATEWAY/users/alice/orders/1"
expect "the upstream got the verified consumer, not the token" '"X-Consumer-Username"' body
expect "and verified warden-auth's signed identity assertion" '"verified": true' body
if grep -q "$ALICE" "$tmp/body"; then
  echo "FAIL    the token reached the upstream"; failures=$((failures + 1))
fi

step "bob reads alice's order: warden-authz ownership, 403" 403 -H "authorization: Bearer $BOB" "$GATEWAY/users/alice/orders/1"

step "bob creates an order without orders:write: 403" 403 -H "authorization: Bearer $BOB" \
  -H 'content-type: application/json' -d '{"currency":"EUR","items":[{"sku":"A-1","quantity":1}]}' "$GATEWAY/users/bob/orders"
expect "with an insufficient_scope challenge" 'insufficient_scope' headers

step "alice posts an invalid order: warden-validator, 400" 400 -H "authorization: Bearer $ALICE" \
  -H 'content-type: application/json' -d '{"currency":"EUR","items":[{"sku":"A-1","quantity":0}]}' "$GATEWAY/users/alice/orders"
expect "as problem+json naming the field" 'body/items/0/quantity' body

step "alice posts a valid order" 200 -H "authorization: Bearer $ALICE" \
  -H 'content-type: application/json' -d '{"currency":"EUR","items":[{"sku":"A-1","quantity":2}]}' "$GATEWAY/users/alice/orders"

# A sender-constrained token (DPoP, RFC 9449): bound to client-a's key, it
# works only with a fresh proof signed by that key. Real clients sign their
# own proofs; the demo IdP signs for its two demo clients.
sleep 1 # a fresh second of alice's rate limit
ORDER="$GATEWAY/users/alice/orders/1"
BOUND=$("${CURL[@]}" -H 'accept: text/plain' -d "user=alice&dpop_client=client-a" "$IDP/token")
proof() {
  "${CURL[@]}" -G --data-urlencode "client=$1" --data-urlencode htm=GET --data-urlencode "htu=$ORDER" \
    --data-urlencode "token=$BOUND" "$IDP/demo/dpop-proof"
}
PROOF=$(proof client-a)
step "a DPoP-bound token with a proof by its key: 200" 200 -H "authorization: DPoP $BOUND" -H "dpop: $PROOF" "$ORDER"
step "the same proof replayed: 401" 401 -H "authorization: DPoP $BOUND" -H "dpop: $PROOF" "$ORDER"
expect "with a DPoP challenge" '^www-authenticate: DPoP .*error="invalid_dpop_proof"' headers
step "the token stolen to another key (client-b's proof): 401" 401 -H "authorization: DPoP $BOUND" -H "dpop: $(proof client-b)" "$ORDER"
step "the bound token sent as Bearer: 401" 401 -H "authorization: Bearer $BOUND" "$ORDER"

# warden-ratelimit: the quota route gives each client (X-Demo-Client) 3
# requests an hour, so the 4th is refused however slow the machine; a new
# client id per run is a fresh bucket.
client="tour-$$-$RANDOM"
for n in 1 2 3; do
  step "quota request $n of 3: 200" 200 -H "x-demo-client: $client" "$GATEWAY/quota"
done
step "the 4th within the hour: warden-ratelimit answers 429" 429 -H "x-demo-client: $client" "$GATEWAY/quota"
expect "with Retry-After" '^retry-after: [0-9]+' headers
expect "and the rate limit headers" '^x-ratelimit-remaining-hour: 0' headers

step "the upstream leaks a fake AWS key: warden-leakguard redacts it" 200 \
  -H 'content-type: application/json' -d '{"note":"key AKIAQWERTYUIOPASDFGH leaked"}' "$GATEWAY/reports"
expect "the answer carries the redaction" 'REDACTED:aws-access-key-id' body
if grep -q 'AKIAQWERTYUIOPASDFGH' "$tmp/body"; then
  echo "FAIL    the key reached the client"; failures=$((failures + 1))
fi

echo "== $steps steps, $failures failed"
[ "$failures" -eq 0 ]
