// Package pagewebhook pages through any HTTP endpoint: it POSTs a small
// JSON event ({"action": "trigger"|"resolve", "incident": "INC-7",
// "summary", "severity", "message", "url", "services"}) and, with a
// secret, signs the body with X-Tourniquet-Signature: sha256=<hex
// HMAC-SHA256>. Any 2xx is success; 429 and 5xx are retryable.
//
// It imports actiontype, incident, config and integrations/kit only.
package pagewebhook
