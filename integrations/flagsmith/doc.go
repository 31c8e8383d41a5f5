// Package flagsmith is a kill switch on Flagsmith: it disables a feature in
// one environment (undo enables it) through the Admin API.
//
// Configuration:
//
//	integrations:
//	  flagsmith:
//	    type: flagsmith
//	    token_file: /run/secrets/flagsmith  # an Admin API token
//	    auth_scheme: Token                  # optional: Token (user token, the default) or Api-Key (organisation API key)
//	    environment: Zx8Dk3pQWrT5vLmN2sJ4   # the environment key, the default for actions
//	    url: https://api.flagsmith.com      # optional; your instance for self-hosted Flagsmith
//	    app_url: https://app.flagsmith.com  # optional; the dashboard, for links
//	    project_id: "12"                    # optional; needed to link to the feature in the dashboard
//	    timeout: 10s                        # optional, per HTTP call
//	actions:
//	  - id: kill-new-checkout
//	    kind: kill-switch
//	    integration: flagsmith
//	    params: {feature: new_checkout}     # also accepted: environment
//
// The calls are
//
//	GET   {url}/api/v1/environments/{environment}/featurestates/?feature_name={feature}
//	PATCH {url}/api/v1/environments/{environment}/featurestates/{id}/   {"enabled": false}
//	Authorization: Token <token>
//
// where {id} is the environment default's feature state (neither a segment
// override nor an identity's); {"enabled": true} for an undo. Disabling twice
// is harmless, so the API's lack of an idempotency key does not matter.
//
// Environments with Feature Versioning v2 do not accept edits of feature
// states; Flagsmith answers with an error, which is reported as it says it.
package flagsmith
