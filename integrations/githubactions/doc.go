// Package githubactions starts a GitHub Actions workflow (a rollback or
// release workflow) with a workflow_dispatch event and inputs.
//
// Configuration:
//
//	integrations:
//	  gh:
//	    type: githubactions
//	    token_file: /run/secrets/gh          # a token with actions:write on the repository
//	    owner: acme
//	    repo: shop
//	    workflow: rollback.yml               # optional default; file name or numeric ID
//	    ref: main                            # optional default; the branch or tag to run on
//	    undo_workflow: roll-forward.yml      # optional; what an undo dispatches
//	    inputs:                              # optional; templates over the run's variables
//	      reason: "{{.IncidentKey}}: {{.ActionID}} by {{.Actor.Name}}"
//	    run_id_input: tourniquet_run_id      # optional; input that receives the run ID (the idempotency key)
//	    return_run_details: true             # optional; ask GitHub for the run's ID and link (github.com, not older GHES)
//	    url: https://api.github.com          # optional; https://ghe.example.com/api/v3 for GitHub Enterprise Server
//	    web_url: https://github.com          # optional; derived from url
//	    timeout: 10s                         # optional, per HTTP call
//	actions:
//	  - id: rollback-shop
//	    kind: rollback
//	    integration: gh
//	    params: {version: v41}               # every param but workflow, ref and undo_workflow is an input
//
// The call is
//
//	POST {url}/repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches
//	Authorization: Bearer <token>
//	Accept: application/vnd.github+json
//	X-GitHub-Api-Version: 2022-11-28
//
//	{"ref": "main", "inputs": {"version": "v41", "reason": "INC-7: …"}}
//
// GitHub answers 204 (200 with the run's details when return_run_details
// is set). Input values from the integration's inputs and from action
// params are templates (see package tmpl); action params win. A param that
// an input template refers to ({{.Params.version}}) feeds that template
// and is not sent as an input itself. The dispatch
// API has no idempotency key: set run_id_input to pass the run ID to a
// workflow that declares that input, so that it can refuse a repeat.
//
// The result links to the workflow's runs page, or to the run itself when
// GitHub returned it.
package githubactions
