// Package opsgenie pages through Opsgenie's Alert API: POST /v2/alerts
// creates an alert whose alias is the incident's key (Opsgenie
// de-duplicates open alerts by alias), POST
// /v2/alerts/{alias}/acknowledge and /close with identifierType=alias
// acknowledge and close it. Requests carry Authorization: GenieKey <key>.
//
// Atlassian ends Opsgenie's support in 2027 (new sales stopped in June
// 2025); teams moving to Jira Service Management or Compass can keep this
// target until then, or use the webhook target.
//
// It imports actiontype, incident, config and integrations/kit only.
package opsgenie
