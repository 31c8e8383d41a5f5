// Package exec runs a configured local command as an action: `helm
// rollback`, `kubectl rollout undo`, a team's own script.
//
// Configuration:
//
//	integrations:
//	  helm-rollback:
//	    type: exec
//	    command: [helm, rollback, "{{.Params.release}}", "{{.Params.revision}}", --wait]
//	    timeout: 2m                         # optional; default 60s (the action's timeout also applies)
//	    dir: /srv/deploy                    # optional working directory
//	    env: {KUBECONFIG: /etc/kube/prod}   # optional; values are templates too
//	    output_limit: 4096                  # optional; bytes of output kept (default 4096)
//	    registry_token_file: /run/secrets/registry   # optional secrets: see below
//	actions:
//	  - id: rollback-shop
//	    title: "Roll back shop"
//	    kind: rollback
//	    integration: helm-rollback
//	    params: {release: shop, revision: "41"}
//
// The command is an argv list, run directly, never through a shell: no
// quoting, globbing or expansion happens, and a param cannot smuggle in a
// second command. Every argument after the program (and every env value)
// is a template over the fixed variables of package integrations/kit/tmpl:
// {{.IncidentKey}}, {{.ActionID}}, {{.RunID}}, {{.Actor.Ref}},
// {{.Actor.Name}}, {{.Params.name}} and {{.Undo}}. The params an action
// may set are exactly those its integration's templates name; each is
// required.
//
// The command runs with a small environment, not the bot's own (which
// holds chat tokens): PATH, HOME, USER, LANG, LC_ALL, TZ and TMPDIR when
// set, the configured env, TOURNIQUET_INCIDENT, TOURNIQUET_ACTION,
// TOURNIQUET_RUN_ID (the idempotency key), TOURNIQUET_ACTOR and
// TOURNIQUET_UNDO ("true" or "false"), and each secret of the integration
// (a key such as token, *_token, *_secret or *_password, inline or as
// *_file) as a variable named after its key in upper case
// (registry_token → REGISTRY_TOKEN).
//
// Standard output and standard error are captured together, truncated to
// output_limit bytes (the start and the end are kept) and scrubbed of every
// secret before they reach the timeline. Exit status 0 is success; any
// other status is a failure that names it with the last line of output.
// A command still running at the timeout is stopped (SIGTERM to its
// process group, SIGKILL 5 seconds later) and the outcome is unknown: it
// may have done part of its work, so people are asked to check.
package exec
