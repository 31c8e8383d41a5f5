package incident

import (
	"fmt"
	"time"
)

// MaxImpactLookback is how far before now an impact start may be moved
// without saying it is meant. Impact that began more than 30 days before
// anyone declared an incident is rare; "-9999h" typed for "-99m" is not,
// and it would turn the report's headline number into nonsense.
const MaxImpactLookback = 30 * 24 * time.Hour

// CheckImpactStart reports whether to is a believable impact start at now:
// not more than MaxImpactLookback before it. Callers let a person override
// it when they say the date is right; MoveImpactStart itself does not
// apply it.
func CheckImpactStart(now, to time.Time) error {
	if now.Sub(to) > MaxImpactLookback {
		return fmt.Errorf("%w: %s is more than 30 days before now", ErrImpactStartTooEarly, to.UTC().Format("2006-01-02 15:04 UTC"))
	}
	return nil
}
