// Package actions is the mitigation catalog: the safe moves configured
// before an incident (roll back, kill switch, …), who may run them, and the
// run lifecycle — claimed once, called at most once per run with an
// idempotency key, audited, its outcome on the timeline.
//
// The small interface that packages under integrations/ satisfy,
// Integration, lives in the leaf package actiontype, so that they need not
// import this one; the runner here calls it.
//
// # Catalog
//
// [NewCatalog] builds the actions of the configuration. An action with
// services is offered on incidents naming one of them; one without, on
// every incident. [Catalog.Buttons] is what bot.Options.ActionsFor wants:
// danger style for rollbacks and kill switches, the action's confirmation
// question unless confirm is false. [Validate] is check-config's view of
// the actions (unknown integration, params the integration does not
// accept, an undo naming no action); integrations declare their params and
// wiring adapts them to a [ParamChecker].
//
// # Commands
//
// [New] builds the command side; [Service.Commands] are the commands
// behind the buttons, given to bot.NewEngine with the other features':
//
//	run <action-id>          a click on an action (or typed; typed asks to confirm first)
//	confirm <run>            "Run again" under a finished run, or under "Did it take effect?"
//	approve <run>            a second allowed person lets a run that needs approval go
//	cancel <run>             a run that has not started; or "no" to "Run again?"
//	verify <run> worked|failed   what a run whose outcome is unknown did
//	effect <run> yes|no      whether a rollback or kill switch that worked mitigated impact
//
// Every one is checked on the server: by immutable user ID, incident role
// or group (incident.Allowed; never a display name, and nobody when the
// action allows nobody), never on a resolved incident. A denial is
// explained to the user, recorded on the timeline (action_denied) and in
// the audit. The requester of a run cannot approve it.
//
// # Lifecycle
//
//	requested → (awaiting_approval → requested) → running → succeeded | failed | unknown
//	requested, awaiting_approval → cancelled
//
// A click records the run, its event, its audit row and its progress
// message in the command's transaction and returns: the external call is
// never in it. The claim is the insert itself: a partial unique index
// allows one active run per (incident, action), so a second click answers
// "already running, started by @x at 14:32" and fifty concurrent ones make
// one run. A click on an action that already ran asks "Run again?".
//
// A [Runner], on any replica, built once the engine exists and woken by
// the commands through a [Wakeup], claims requested runs from the store
// (SKIP LOCKED), marks each running with a lease and commits, calls the
// integration once with the run ID as idempotency key, and records the
// outcome in a second transaction, updating the progress message in place
// ("Running… started 14:32 by @x", then the outcome and a link). A failure
// that leaves it open whether the change was made (Error.MayHaveRun, a
// timeout) is recorded as unknown. A run still running when its lease ends
// (the runner crashed after the call) becomes unknown too, at the next
// start or sweep. An unknown run is never run again by itself: the
// channel is asked "Did <action> take effect?" with [It worked] [It
// failed] [Run again].
//
// After a rollback or kill switch succeeds, the channel is asked at once
// whether customer impact is mitigated: an action succeeding is not
// mitigation, a person confirms it. An instrumentation action started
// while impact is ongoing is flagged on the timeline
// (instrumentation_during_impact).
//
// # Audit
//
// One append-only row per step of an attempt — requested, denied,
// approved, started, finished, verified, cancelled — with the actor, the
// action, the incident, the params (secret-looking ones redacted), the
// outcome and, for finished, the call's duration.
package actions
