package checkin

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
)

// Default cadences, used for any spec the configuration leaves empty.
var defaultCadence = map[incident.Severity]string{
	incident.Sev1: "@every 10m",
	incident.Sev2: "@every 15m",
	incident.Sev3: "@every 30m",
	incident.Sev4: "@every 1h",
}

const defaultDiagnosisCadence = "@every 30m"

// schedule is a parsed robfig/cron spec.
type schedule struct {
	spec string
	cron.Schedule
}

func parseSchedule(key, spec, fallback string) (schedule, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		spec = fallback
	}
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return schedule{}, fmt.Errorf("checkins.%s: invalid schedule %q: %w", key, spec, err)
	}
	return schedule{spec: spec, Schedule: s}, nil
}

// Next is the schedule's next time after t. An "@every" cadence counts
// from t exactly: robfig/cron rounds it down to the whole second, which
// made every incident's check-ins fall due at whole seconds, so that with
// thousands of incidents a few hundred fell due in the same instant each
// second instead of spreading over it (docs/BENCHMARKS.md).
func (s schedule) Next(t time.Time) time.Time {
	if c, ok := s.Schedule.(cron.ConstantDelaySchedule); ok {
		return t.Add(c.Delay)
	}
	return s.Schedule.Next(t)
}

// after is the first time of s strictly after due that is also after now:
// the regular next time, or, when that has passed already (the sweeper was
// down), the next one from now, so that missed times are not replayed.
func (s schedule) after(due, now time.Time) time.Time {
	n := s.Next(due)
	if !n.After(now) {
		n = s.Next(now)
	}
	return n
}

// interval is the gap between two consecutive times of s after t.
func (s schedule) interval(t time.Time) time.Duration {
	n1 := s.Next(t)
	return s.Next(n1).Sub(n1)
}

// schedules are the parsed check-in configuration.
type schedules struct {
	impact    map[incident.Severity]schedule
	diagnosis schedule
	// digest is nil when no digest is configured.
	digest        *schedule
	digestChannel incident.ChannelRef
}

func parseSchedules(c config.Checkins) (schedules, error) {
	out := schedules{impact: map[incident.Severity]schedule{}}
	for _, sev := range incident.Severities {
		s, err := parseSchedule("cadence."+string(sev), c.Cadence.For(sev), defaultCadence[sev])
		if err != nil {
			return out, err
		}
		out.impact[sev] = s
	}
	d, err := parseSchedule("diagnosis_cadence", c.DiagnosisCadence, defaultDiagnosisCadence)
	if err != nil {
		return out, err
	}
	out.diagnosis = d
	if strings.TrimSpace(c.Digest.Schedule) != "" {
		d, err := parseSchedule("digest.schedule", c.Digest.Schedule, "")
		if err != nil {
			return out, err
		}
		out.digest = &d
		ch, err := config.ParseChannel(c.Digest.Channel)
		if err != nil {
			return out, fmt.Errorf("checkins.digest.channel: %w", err)
		}
		out.digestChannel = ch
	}
	return out, nil
}

// forImpact is the impact cadence of a severity (sev2's for an invalid one).
func (s schedules) forImpact(sev incident.Severity) schedule {
	if c, ok := s.impact[sev]; ok {
		return c
	}
	return s.impact[incident.Sev2]
}
