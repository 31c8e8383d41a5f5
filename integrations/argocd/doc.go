// Package argocd rolls an Argo CD application back to its previous
// deployment, as "argocd app rollback <app>" does without an ID.
//
// Configuration:
//
//	integrations:
//	  argocd:
//	    type: argocd
//	    url: https://argocd.example.com      # the Argo CD server (keep a path prefix if served under one)
//	    token_file: /run/secrets/argocd      # an account token allowed to get, sync and roll back the applications
//	    app_namespace: ""                    # optional: the namespace of applications outside argocd's own
//	    prune: false                         # optional: prune resources absent from the target
//	    timeout: 10s                         # optional, per HTTP call
//	actions:
//	  - id: rollback-shop
//	    kind: rollback
//	    integration: argocd
//	    params: {application: shop}          # also accepted: app_namespace
//
// The calls are
//
//	GET  {url}/api/v1/applications/{name}            Authorization: Bearer <token>
//	POST {url}/api/v1/applications/{name}/rollback   {"name": …, "id": <previous history id>, "prune": false, "dryRun": false}
//
// where the previous history entry is the second to last of
// status.history. Argo CD refuses to roll back an application with
// automated sync ("rollback cannot be initiated when auto-sync is
// enabled"); the refusal is reported as it says it. Argo CD's API has no
// idempotency key.
//
// An undo syncs the application to its target revision in Git:
//
//	POST {url}/api/v1/applications/{name}/sync       {"name": …, "prune": false}
//
// The result links to the application in the Argo CD UI.
package argocd
