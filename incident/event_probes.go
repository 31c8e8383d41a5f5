package incident

// Event kinds and the source of the impact probes (DESIGN §8): what a
// probe concluded about customer impact, and the verification of a
// mitigation by one.
const (
	// KindProbeImpacting: a probe sees customer impact (its signal breached
	// the threshold for at least its "for").
	KindProbeImpacting Kind = "probe_impacting"
	// KindProbeClear: a probe's signal is back within its threshold.
	KindProbeClear Kind = "probe_clear"
	// KindProbeUnknown: a probe cannot tell (unreachable, a bad answer, a
	// timeout).
	KindProbeUnknown Kind = "probe_unknown"
	// KindMitigationVerified: after someone said mitigated, every probe of
	// the incident stayed clear for its hold.
	KindMitigationVerified Kind = "mitigation_verified"
	// KindProbeOverruled: a person said a probe is wrong about impact (or
	// that its breach is not related), so it stops asking about it.
	KindProbeOverruled Kind = "probe_overruled"
)

// SourceProbe marks what an impact probe recorded or changed itself.
const SourceProbe Source = "probe"
