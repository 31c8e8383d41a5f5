// Package launchdarkly is a kill switch on LaunchDarkly: it turns a flag off
// in one environment (undo turns it back on) with a semantic patch.
//
// Configuration:
//
//	integrations:
//	  flags:
//	    type: launchdarkly
//	    api_token_file: /run/secrets/ld   # an API access token allowed to update flags
//	    project: default                  # the default project key for actions
//	    environment: production           # the default environment key for actions
//	    url: https://app.launchdarkly.com # optional; https://app.launchdarkly.us for federal
//	    timeout: 10s                      # optional, per HTTP call
//	actions:
//	  - id: kill-new-checkout
//	    title: "Kill switch: new checkout flow"
//	    kind: kill-switch
//	    integration: flags
//	    params: {flag: new-checkout}      # also accepted: project, environment
//
// The call is
//
//	PATCH {url}/api/v2/flags/{project}/{flag}
//	Authorization: <api token>
//	Content-Type: application/json; domain-model=launchdarkly.semanticpatch
//
//	{"environmentKey": "production", "instructions": [{"kind": "turnFlagOff"}],
//	 "comment": "INC-7: Kill switch: new checkout flow, by alice (Tourniquet run …)"}
//
// with turnFlagOn for an undo. Turning a flag off twice is harmless, so the
// API's lack of an idempotency key does not matter; the run ID is in the
// comment, which LaunchDarkly keeps in the flag's audit log. The result
// links to the flag's targeting page for the environment.
package launchdarkly
