package incident

// Event kinds of change-aware safe moves (DESIGN §8).
const (
	// KindActionEffective records that the system an action called was
	// seen in the state the action meant (the flag off, the rollout done).
	KindActionEffective Kind = "action_effective"
	// KindActionIneffective records that it was not, within the
	// verification's time: its text says what was seen.
	KindActionIneffective Kind = "action_ineffective"
)
