// Package webhook calls any HTTP endpoint as an action: the method, URL and
// JSON body are templates over the run's fixed variables (see package
// tmpl), the request carries the run ID as its idempotency key and, with a
// shared secret, an HMAC-SHA256 signature of the body. Any 2xx answer is
// success.
//
// Configuration:
//
//	integrations:
//	  deploy-hook:
//	    type: webhook
//	    url: "https://deploy.internal/services/{{pathescape .Params.service}}/rollback"
//	    method: POST                          # optional: POST (default), PUT, PATCH, DELETE or GET
//	    body: |                               # optional; the default is shown below
//	      {"service": {{json .Params.service}}, "incident": {{json .IncidentKey}}, "undo": {{.Undo}}}
//	    secret_file: /run/secrets/hook        # optional: signs every request
//	    token_file: /run/secrets/hook-token   # optional: sent as Authorization: Bearer <token>
//	    auth_header: X-Api-Key                # optional: send the token in this header instead, as is
//	    headers: {X-Team: sre}                # optional: more headers (not for credentials)
//	    link: "https://deploy.internal/services/{{.Params.service}}"   # optional: the result's link
//	    timeout: 10s                          # optional, per HTTP call
//	actions:
//	  - id: rollback-shop
//	    kind: rollback
//	    integration: deploy-hook
//	    params: {service: shop}
//
// Without a body template, POST, PUT and PATCH send
//
//	{"incident_key": "INC-7", "action_id": "rollback-shop", "run_id": "…",
//	 "actor": {"ref": "slack:U0123ABCD", "name": "alice"},
//	 "params": {"service": "shop"}, "undo": false}
//
// and GET and DELETE send no body. A body template must render valid JSON;
// use {{json .Params.x}} to quote values.
//
// # Headers
//
//	Content-Type: application/json
//	Idempotency-Key: <run ID>            the same for a repeat of the same run; dedupe on it
//	X-Tourniquet-Timestamp: <Unix seconds when sent>
//	X-Tourniquet-Signature: sha256=<hex HMAC-SHA256(secret, body)>   only with a secret
//
// The signature covers the exact bytes of the body (nothing for an empty
// body), as GitHub's X-Hub-Signature-256 does. To verify: compute
// HMAC-SHA256 of the raw body with the shared secret, hex-encode it,
// compare with the header after "sha256=" in constant time, then reject
// Idempotency-Keys already seen. The body names the run, so a replayed
// request is a repeat of a run already handled; the timestamp header lets
// a receiver also refuse old requests.
package webhook
