// Package tourniquet holds no code: it is the map of the module. Tourniquet
// is a ChatOps incident bot (see README.md); its packages are placed by
// what they are, and may import only what their place allows.
//
//   - incident: the domain (incidents, events, the two clocks, metrics,
//     validation of what people type). Pure; imports nothing of the project.
//   - actiontype: the contract an integration implements; imports only
//     incident.
//   - config: the configuration file and environment.
//   - storage, storage/postgres, storage/sqlite: the Store seam and its two
//     stores; migrations: their SQL.
//   - bot: the platform-neutral engine (the command model, its built-in
//     commands, the message model, the outbox sender). Every feature owns
//     its commands as bot.CommandSpec values, given to bot.NewEngine in one
//     list by cmd/internal/app. bot/slack, bot/discord, bot/console: the
//     chat adapters, each on a small Engine interface it declares.
//   - Features, peers of one another: actions (the mitigation catalog and
//     the run lifecycle), checkin (the check-in scheduler and digest),
//     postmortem (the draft worker and /incident timeline, with its
//     OpenAI-compatible summarizer in postmortem/openai), timeline (the
//     report: pure, imports only incident) and timeline/web (the report
//     pages, the API, access and signed links). A feature may import the
//     domain, the engine, config, storage and the leaves under internal/;
//     never an adapter nor the composition root. Features report metrics
//     through callbacks they declare, never through Prometheus.
//   - integrations/<type>: one package per external system an action can
//     call, with their shared kit in integrations/kit; each imports only
//     actiontype, incident, config and the kit (integrations/layout_test.go).
//   - cmd/tourniquet, cmd/tourniquet-load: the binaries. cmd/internal/app is
//     the composition root, the one place that imports adapters, stores,
//     features and integrations together and wires them (with
//     cmd/internal/app/metrics, the Prometheus side of the callbacks).
//   - internal/: leaf utilities (clock, logctx, redact, retry, words) and
//     test support (termtest, conformance, golist): each imports the
//     standard library, third-party modules and at most other leaves, never
//     a package of the product, so that anything may import it. The one
//     exception is internal/conformance/scenario, test support that drives
//     the engine and the features for the adapters' conformance tests.
//   - faults: the fault-injection suite, driving the real binary.
//
// layout_test.go checks these rules with go list.
package tourniquet
