package bot

import "github.com/tourniquet/tourniquet/incident"

// The commands that are one domain transition each: apply it, record its
// event, announce it in the channel (transition).

// updateCommand is "update <text>": a status update.
func updateCommand() CommandSpec {
	return CommandSpec{
		Name:    CmdUpdate,
		Summary: "post a status update",
		Brief:   "Post a status update",
		Section: SectionRecord,
		Needs:   OpenIncident,
		Args:    []Arg{{Name: "text", Kind: ArgText, Need: Required, MaxLen: 2000, Help: "The update", Missing: "say the update"}},
		Handle: transition(func(tx *Tx, c Command) (incident.Event, error) {
			return tx.Incident.Update(tx.Now, tx.Actor(), c.Text("text"))
		}),
	}
}

// noteCommand is "note <text>"; it works on a resolved incident too. A
// note captured from chat (a pin, a reaction, a message shortcut) carries
// where it came from and who added it, which its adapter gives.
func noteCommand() CommandSpec {
	return CommandSpec{
		Name:    CmdNote,
		Summary: "add a note to the timeline",
		Brief:   "Add a note to the timeline",
		Section: SectionRecord,
		Needs:   AnyIncident,
		Args: []Arg{
			{Name: "text", Kind: ArgText, Need: Required, MaxLen: 2000, Help: "The note", Missing: "say the note"},
			{Name: FieldPermalink, Kind: ArgWord, Input: Internal},
			{Name: FieldAddedBy, Kind: ArgWord, Input: Internal},
		},
		Handle: transition(func(tx *Tx, c Command) (incident.Event, error) {
			ev, err := tx.Incident.Note(tx.Now, tx.Actor(), c.Text("text"))
			for _, k := range []string{FieldPermalink, FieldAddedBy} {
				if v := c.Text(k); v != "" {
					ev.Data[k] = v
				}
			}
			return ev, err
		}),
	}
}

// mitigatedCommand is "mitigated [how]": customer impact stopped.
func mitigatedCommand() CommandSpec {
	return CommandSpec{
		Name:    CmdMitigated,
		Aliases: []string{"mitigate"},
		Summary: "customer impact has stopped",
		Brief:   "Customer impact has stopped",
		Section: SectionClocks,
		Needs:   OpenIncident,
		Args:    []Arg{{Name: "how", Kind: ArgText, MaxLen: 1000, Help: "What stopped it"}},
		Handle: transition(func(tx *Tx, c Command) (incident.Event, error) {
			return tx.Incident.Mitigate(tx.Now, tx.Actor(), c.Text("how"))
		}),
	}
}

// regressedCommand is "regressed [what]": customer impact is back.
func regressedCommand() CommandSpec {
	return CommandSpec{
		Name:    CmdRegressed,
		Aliases: []string{"regress"},
		Summary: "customer impact is back",
		Brief:   "Customer impact is back",
		Section: SectionClocks,
		Needs:   OpenIncident,
		Args:    []Arg{{Name: "what", Kind: ArgText, MaxLen: 1000, Help: "What is failing again"}},
		Handle: transition(func(tx *Tx, c Command) (incident.Event, error) {
			return tx.Incident.Regress(tx.Now, tx.Actor(), c.Text("what"))
		}),
	}
}

// diagnosedCommand is "diagnosed <cause>": the second clock stops.
func diagnosedCommand() CommandSpec {
	return CommandSpec{
		Name:    CmdDiagnosed,
		Aliases: []string{"diagnose"},
		Summary: "the cause is identified",
		Brief:   "The cause is identified",
		Section: SectionClocks,
		Needs:   OpenIncident,
		Args: []Arg{{Name: "cause", Kind: ArgText, Need: Required, MaxLen: 1000, Help: "The cause",
			Missing: "say what the cause is"}},
		Handle: transition(func(tx *Tx, c Command) (incident.Event, error) {
			return tx.Incident.Diagnose(tx.Now, tx.Actor(), c.Text("cause"))
		}),
	}
}

// failForwardCommand is "fail-forward [<duration>] <reason>": a recorded
// decision, not a reflex (DESIGN §1). With a duration ("30m") the decision
// has a deadline: the failforward feature asks again if impact still goes
// on then.
func failForwardCommand() CommandSpec {
	return CommandSpec{
		Name:    CmdFailForward,
		Aliases: []string{"failforward", "fail_forward"},
		Summary: "record the decision to fix forward while impact continues; with a duration (30m), ask again then",
		Brief:   "Record the decision to fix forward while impact continues",
		Section: SectionClocks,
		Needs:   OpenIncident,
		Usage:   "[<duration>] <reason>",
		Args: []Arg{
			{Name: "within", Kind: ArgWord, MaxLen: 16, Shape: "duration", Help: "Deadline: ask again after this long (30m, 1h)"},
			{Name: "reason", Kind: ArgText, Need: Required, MaxLen: 1000, Help: "Why fixing forward beats mitigating now",
				Missing: "say why the team is fixing forward instead of mitigating"},
		},
		Parse: parseFailForward,
		Handle: transition(func(tx *Tx, c Command) (incident.Event, error) {
			if w := c.Text("within"); w != "" {
				d, err := incident.ParseFailForwardWindow(w)
				if err != nil {
					return incident.Event{}, err
				}
				return tx.Incident.FailForwardWithin(tx.Now, tx.Actor(), c.Text("reason"), d)
			}
			return tx.Incident.FailForward(tx.Now, tx.Actor(), c.Text("reason"))
		}),
	}
}

// parseFailForward reads "[<duration>] <reason>": a first word written as
// a duration ("30m", "1h30m") is the deadline, the rest the reason.
func parseFailForward(rest string) (Values, error) {
	spec, vals := failForwardCommand(), Values{}
	reason, _ := spec.arg("reason")
	w, r := nextWord(rest)
	if !incident.LooksLikeWindow(w) {
		return vals, readInto(vals, spec, reason, rest)
	}
	if _, err := incident.ParseFailForwardWindow(w); err != nil {
		return vals, problemf("%s", err.Error())
	}
	vals["within"] = w
	return vals, readInto(vals, spec, reason, r)
}

// servicesCommand is "services <name…>": they select the actions offered.
func servicesCommand() CommandSpec {
	return CommandSpec{
		Name:    CmdServices,
		Aliases: []string{"service"},
		Summary: "set the affected services",
		Brief:   "Set the affected services",
		Section: SectionMitigation,
		Needs:   OpenIncident,
		Args: []Arg{{Name: "names", Kind: ArgServices, Need: Required, MaxLen: 500, Shape: "name…",
			Help: "Service names, separated by spaces or commas", Missing: "name at least one service"}},
		Handle: transition(func(tx *Tx, c Command) (incident.Event, error) {
			return tx.Incident.SetServices(tx.Now, tx.Actor(), c.Services("names"))
		}),
	}
}
