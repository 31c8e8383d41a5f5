// Package changes is the change feed: what shipped to which service
// (deploys, flag flips, config pushes, infrastructure changes), taken in
// from CI and webhooks and shown where responders need it.
//
//   - Intake: POST /api/v1/changes (bearer api_token; what `tourniquet
//     change record` sends), GitHub deployment_status and workflow_run
//     webhooks (X-Hub-Signature-256), LaunchDarkly flag webhooks
//     (X-LD-Signature) and Argo CD notifications (bearer token). Every
//     request is verified before its body is read past the cap, and a
//     change is committed before the 2xx; redeliveries are recorded once.
//   - GET /api/v1/changes lists them.
//   - Panel is a bot.Panel: the card and every check-in list the changes
//     to the incident's services since shortly before impact started, each
//     with its undo buttons (the actions whose undo_for matches).
//
// It is a feature, a peer of actions: it imports the engine's message
// model (bot), the domain, config, storage and leaves; the undo buttons
// come from the actions through a function the composition root passes.
package changes
