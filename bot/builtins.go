package bot

import "context"

// Commands are the engine's own commands, the incident's life from
// declaration to resolution: what cmd/internal/app gives NewEngine first,
// before the features' (actions' run, check-ins' answer, the postmortem's
// timeline). Each is declared
// in the file of its handler; adding one is a new file and a line here.
func Commands() []CommandSpec {
	return []CommandSpec{
		declareCommand(),
		listCommand(),
		sevCommand(),
		leadCommand(),
		roleCommand(),
		renameCommand(),
		updateCommand(),
		noteCommand(),
		mitigatedCommand(),
		regressedCommand(),
		diagnosedCommand(),
		failForwardCommand(),
		impactStartedCommand(),
		servicesCommand(),
		actionsCommand(),
		statusCommand(),
		resolveCommand(),
		helpCommand(),
	}
}

// engineHandler is a HandlerFunc of a method of the engine, which reads
// the engine's settings (permissions, groups, roles, links): the built-in
// commands are values like any feature's, and the engine running them
// supplies what they are configured with.
func engineHandler(fn func(e *Engine, ctx context.Context, tx *Tx, c Command) (Reply, error)) HandlerFunc {
	return func(ctx context.Context, tx *Tx, c Command) (Reply, error) { return fn(tx.engine, ctx, tx, c) }
}
