package bot

// RunTurns is how many times Run woke up.
func (s *Sender) RunTurns() int64 { return s.turns.Load() }
