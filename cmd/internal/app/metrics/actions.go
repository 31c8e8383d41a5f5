package metrics

import "time"

// ActionRun records one action run that ended with outcome (succeeded,
// failed, unknown, cancelled) and, when took is positive, how long its
// external call lasted. An action that calls nothing has integration "".
func (m *Metrics) ActionRun(integration, kind, outcome string, took time.Duration) {
	if m == nil {
		return
	}
	if integration == "" {
		integration = "none"
	}
	m.ActionRuns.WithLabelValues(integration, kind, outcome).Inc()
	if took > 0 {
		m.ActionRunDuration.WithLabelValues(integration, kind).Observe(took.Seconds())
	}
}
