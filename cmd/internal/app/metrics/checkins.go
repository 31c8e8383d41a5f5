package metrics

import "time"

// CheckinSent records one check-in posted: late when it fell due while no
// replica was running, lag from its due time to its commit, and the
// escalation level it raised ("lead", "channel", "pager"; "" when none).
func (m *Metrics) CheckinSent(late bool, lag time.Duration, escalated string) {
	if m == nil {
		return
	}
	m.CheckinsSent.Inc()
	if late {
		m.CheckinsLate.Inc()
	}
	m.SchedulerLag.Observe(lag.Seconds())
	if escalated != "" {
		m.CheckinsEscalated.WithLabelValues(escalated).Inc()
	}
}

// CheckinAnswered records one answer to a check-in ("yes", "partial",
// "no"…).
func (m *Metrics) CheckinAnswered(answer string) {
	if m == nil {
		return
	}
	m.CheckinsAnswered.WithLabelValues(answer).Inc()
}
