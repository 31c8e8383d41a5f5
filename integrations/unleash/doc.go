// Package unleash is a kill switch on Unleash: it turns a feature flag off
// in one environment of a project (undo turns it back on) through the Admin
// API.
//
// Configuration:
//
//	integrations:
//	  unleash:
//	    type: unleash
//	    url: https://unleash.example.com   # the instance; keep a path prefix (https://eu.app.unleash-hosted.com/acme)
//	    token_file: /run/secrets/unleash   # an admin API token or a personal access token
//	    project: default                   # optional; "default" when unset
//	    environment: production            # the default environment for actions
//	    timeout: 10s                       # optional, per HTTP call
//	actions:
//	  - id: kill-new-checkout
//	    kind: kill-switch
//	    integration: unleash
//	    params: {feature: new-checkout}    # also accepted: project, environment
//
// The call is
//
//	POST {url}/api/admin/projects/{project}/features/{feature}/environments/{environment}/off
//	Authorization: <token>
//
// (/on for an undo), with no body; Unleash answers 200. Turning a flag off
// twice is harmless, so the API's lack of an idempotency key does not
// matter. The result links to the feature's page in the Unleash UI.
package unleash
