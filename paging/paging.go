package paging

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
)

// Pager is one paging integration: the one thing this package needs of
// pagerduty, opsgenie and pagewebhook clients. Failures are
// *actiontype.Error, classified retryable or not.
type Pager interface {
	Page(ctx context.Context, r actiontype.PageRequest) error
}

// Steps of a page (storage.Page.Step): each pages at most once per
// incident.
const (
	StepDeclared   = "declared"
	StepEscalation = "escalation"
	stepManual     = "manual/"
	stepResolve    = "resolve/"
)

// Target is a configured paging target: its name, its type (for
// messages) and its client.
type Target struct {
	Name  string
	Type  string
	Pager Pager
}

// Options configure the paging service. Zero values take the defaults.
type Options struct {
	Config  config.Paging
	Targets []Target
	Groups  incident.Groups
	Store   storage.Store
	Clock   clock.Clock
	Logger  *slog.Logger
	// Poll is how often the worker looks for pages (default 1s).
	Poll time.Duration
	// Timeout bounds one call to a paging service (default 15s).
	Timeout time.Duration
	// MaxAttempts is how many tries a retryable failure gets (default 5);
	// RetryDelay the wait before the first retry, doubled each time
	// (default 15s).
	MaxAttempts int
	RetryDelay  time.Duration
	// OnOutcome, if set, is told each page's final outcome (sent, failed,
	// unknown) after it is recorded (cmd/internal/app counts them).
	OnOutcome func(target, action, outcome string)
}

// Service is paging: the hook that decides pages, the page command, the
// check-in escalation's pager, and the worker that sends them.
type Service struct {
	o       Options
	targets map[string]Target
	names   []string
	// def is the target declarations page: paging.target, or the only one.
	def string
}

// New builds the service.
func New(o Options) (*Service, error) {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = 15 * time.Second
	}
	s := &Service{o: o, targets: map[string]Target{}}
	for _, t := range o.Targets {
		if t.Pager == nil {
			return nil, fmt.Errorf("paging target %s has no client", t.Name)
		}
		s.targets[t.Name] = t
		s.names = append(s.names, t.Name)
	}
	slices.Sort(s.names)
	s.def = o.Config.Target
	if s.def == "" && len(s.names) == 1 {
		s.def = s.names[0]
	}
	for _, name := range []string{s.def, o.Config.EscalateTo} {
		if _, ok := s.targets[name]; name != "" && !ok {
			return nil, fmt.Errorf("paging target %q is not configured", name)
		}
	}
	return s, nil
}

// Enabled reports whether any target is configured.
func (s *Service) Enabled() bool { return len(s.targets) > 0 }

// request records a page of step in tx, once per incident and step, and
// says so in the channel. It reports whether it was recorded.
func (s *Service) request(ctx context.Context, tx *bot.Tx, step, target, message string, action actiontype.PageAction) (bool, error) {
	p := storage.Page{IncidentID: tx.Incident.ID, Step: step, Target: target, Action: string(action),
		Message: message, RequestedBy: tx.Actor(), CreatedAt: tx.Now}
	ok, err := tx.Q.RequestPage(ctx, &p)
	if err != nil || !ok {
		return false, err
	}
	if action == actiontype.PageTrigger {
		tx.Announce(bot.Textf("📟 Paging %s (%s)…", target, s.targets[target].Type))
	}
	return true, nil
}

// OnEvents implements bot.Hook: a declaration at a page_on severity (or a
// severity raised into one) pages the default target once; resolution
// closes every page that went out or may have.
func (s *Service) OnEvents(ctx context.Context, tx *bot.Tx, evs []incident.Event) error {
	inc := tx.Incident
	if inc == nil || !s.Enabled() {
		return nil
	}
	for _, ev := range evs {
		switch ev.Kind {
		case incident.KindDeclared, incident.KindSeverityChanged:
			target := s.def
			if target == "" || !inc.Open() || !s.o.Config.PagesOn(inc.Severity) {
				continue
			}
			if drill, err := isDrill(ctx, tx, ev); err != nil || drill {
				if err != nil {
					return fmt.Errorf("page %s: %w", inc.Key, err)
				}
				continue // a drill never wakes the real on-call
			}
			if _, err := s.request(ctx, tx, StepDeclared, target, "", actiontype.PageTrigger); err != nil {
				return fmt.Errorf("page %s: %w", inc.Key, err)
			}
		case incident.KindResolved:
			if err := s.closeAll(ctx, tx); err != nil {
				return fmt.Errorf("close pages of %s: %w", inc.Key, err)
			}
		}
	}
	return nil
}

// closeAll requests a resolve of every target that was paged (or may
// have been) for tx.Incident.
func (s *Service) closeAll(ctx context.Context, tx *bot.Tx) error {
	pages, err := tx.Q.ListPages(ctx, tx.Incident.ID)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, p := range pages {
		if p.Action != string(actiontype.PageTrigger) || p.Status == storage.PageFailed || done[p.Target] {
			continue
		}
		done[p.Target] = true
		if _, err := s.request(ctx, tx, stepResolve+p.Target, p.Target, "", actiontype.PageResolve); err != nil {
			return err
		}
	}
	return nil
}

// Page implements checkin.Pager: the check-in escalation's last step pages
// paging.escalate_to, once per incident.
func (s *Service) Page(ctx context.Context, tx *bot.Tx, unanswered int) error {
	target := s.o.Config.EscalateTo
	if target == "" {
		return nil
	}
	if drill, err := isDrill(ctx, tx, incident.Event{}); err != nil || drill {
		return err
	}
	msg := fmt.Sprintf("%d check-ins unanswered", unanswered)
	_, err := s.request(ctx, tx, StepEscalation, target, msg, actiontype.PageTrigger)
	return err
}

// errNoTarget is a page command naming no configured target.
var errNoTarget = errors.New("no such paging target")

// target finds a configured target by name.
func (s *Service) target(name string) (Target, error) {
	t, ok := s.targets[strings.ToLower(name)]
	if !ok {
		return Target{}, errNoTarget
	}
	return t, nil
}

// isDrill reports whether tx.Incident is a drill (readiness): ev when it
// is the declaration, else the incident's first event.
func isDrill(ctx context.Context, tx *bot.Tx, ev incident.Event) (bool, error) {
	if ev.Kind == incident.KindDeclared {
		return bot.IsDrill(ev), nil
	}
	first, err := tx.Q.ListEvents(ctx, tx.Incident.ID, 0, 1)
	if err != nil {
		return false, err
	}
	return len(first) == 1 && bot.IsDrill(first[0]), nil
}
