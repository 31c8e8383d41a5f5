// Package pagerduty pages through PagerDuty's Events API v2: POST
// https://events.pagerduty.com/v2/enqueue with the integration's
// routing_key, event_action trigger, acknowledge or resolve, and the
// incident's key as dedup_key, so that a resolve closes the page a trigger
// opened and a repeated trigger opens no second one.
//
// It imports actiontype, incident, config and integrations/kit only.
package pagerduty
