package bot

// UsageError is a malformed command: what is wrong, and the usage line of
// the command that was meant.
type UsageError struct {
	Command string
	// Problem says what is wrong, in plain words.
	Problem string
	Usage   string
	// msg is Problem with its markup (code spans), when it has any.
	msg Rich
	// noTitle marks a declaration that lacks only its title.
	noTitle bool
}

func (e *UsageError) Error() string {
	if e.Usage == "" {
		return e.Problem
	}
	return e.Problem + "\nUsage: " + e.Usage
}

// Rich is the error as the person who typed the command reads it: the
// problem, then the usage line as code.
func (e *UsageError) Rich() Rich {
	msg := e.msg
	if msg == nil {
		msg = Plain(e.Problem)
	}
	if e.Usage == "" {
		return msg
	}
	return append(msg, Textf("\nUsage: `%s`", e.Usage)...)
}

// problemf is a UsageError whose problem is format with args, as in Textf
// (format is the bot's markup, args are data). The engine adds the usage
// line of the command it was reading.
func problemf(format string, args ...any) *UsageError {
	msg := Textf(format, args...)
	return &UsageError{Problem: msg.String(), msg: msg}
}

// problem is a UsageError whose problem is msg.
func problem(msg Rich) *UsageError { return &UsageError{Problem: msg.String(), msg: msg} }

// Usage returns the usage line of one of the engine's own commands
// (Commands), "" for any other; Tx.Usage knows every command of the
// engine running a unit of work.
func Usage(name string) string {
	for _, s := range Commands() {
		if s.Name == name {
			return s.UsageLine()
		}
	}
	return ""
}
