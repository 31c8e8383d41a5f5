package storage

// DrillIncidents are the IDs of the incidents ds are drills of: the
// metrics, the digest and the reports leave those out.
func DrillIncidents(ds []Drill) map[int64]bool {
	out := make(map[int64]bool, len(ds))
	for _, d := range ds {
		out[d.IncidentID] = true
	}
	return out
}
