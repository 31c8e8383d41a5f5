package actions

import "github.com/tourniquet/tourniquet/bot"

// The commands of actions: run is typed or clicked; the others are sent
// by the buttons on a run's messages ("confirm <run>", "verify <run>
// worked").
const (
	CmdRun     = "run"
	CmdConfirm = "confirm"
	CmdApprove = "approve"
	CmdCancel  = "cancel"
	CmdVerify  = "verify"
	// CmdEffect answers "did <run> mitigate customer impact?", asked
	// after a rollback or kill switch worked: "effect <run> yes|no".
	CmdEffect = "effect"
)

// runArg is the run a button names.
func runArg(problem string) bot.Arg {
	return bot.Arg{Name: "run", Kind: bot.ArgID, Need: bot.Required, Missing: problem, Invalid: problem}
}

// answerArg is the answer a button gives about a run.
func answerArg(problem string, choices ...string) bot.Arg {
	return bot.Arg{Name: "answer", Kind: bot.ArgChoice, Need: bot.Required, Choices: choices, Missing: problem, Invalid: problem}
}

// Commands are the commands of actions, for bot.Options.Commands. They
// work on a resolved incident too (except effect), so that each can
// explain, and audit, why it does nothing there.
func (s *Service) Commands() []bot.CommandSpec {
	const whichRun = "which run?"
	return []bot.CommandSpec{
		{
			Name:    CmdRun,
			Summary: "run a mitigation action",
			Brief:   "Run a mitigation action",
			Section: bot.SectionMitigation,
			Needs:   bot.AnyIncident,
			Args: []bot.Arg{{Name: "action", Kind: bot.ArgID, Need: bot.Required, MaxLen: 128, Shape: "action-id",
				Help: "The action's ID (see /incident actions)", Missing: "which action?"}},
			Handle: s.run,
		},
		{Name: CmdConfirm, Shown: bot.ButtonsOnly, Needs: bot.AnyIncident, Args: []bot.Arg{runArg(whichRun)}, Handle: s.confirm},
		{Name: CmdApprove, Shown: bot.ButtonsOnly, Needs: bot.AnyIncident, Args: []bot.Arg{runArg(whichRun)}, Handle: s.approve},
		{Name: CmdCancel, Shown: bot.ButtonsOnly, Needs: bot.AnyIncident, Args: []bot.Arg{runArg(whichRun)}, Handle: s.cancel},
		{
			Name: CmdVerify, Shown: bot.ButtonsOnly, Needs: bot.AnyIncident,
			Args:   []bot.Arg{runArg(verifyProblem), answerArg(verifyProblem, "worked", "failed")},
			Handle: s.verify,
		},
		{
			Name: CmdEffect, Shown: bot.ButtonsOnly, Needs: bot.OpenIncident,
			Args:   []bot.Arg{runArg(effectProblem), answerArg(effectProblem, "yes", "no")},
			Handle: s.effect,
		},
		s.undoChangeSpec(),
	}
}

// The problems of a malformed verify or effect (a stale or hand-typed
// button): both words are needed.
const (
	verifyProblem = "expected an ID and one of worked, failed"
	effectProblem = "expected an ID and one of yes, no"
)
