package flagsmith

import (
	"context"
	"fmt"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
)

var _ actiontype.Verifier = (*Client)(nil)

// Verify reads the environment default's feature state back,
//
//	GET {url}/api/v1/environments/{environment}/featurestates/?feature_name={feature}
//
// and reports it effective when it is disabled (enabled, for an undo).
func (c *Client) Verify(ctx context.Context, req actiontype.Request, _ actiontype.Result) (actiontype.Effect, error) {
	feature := spec.Pick(req.Params, "feature", "")
	env := spec.Pick(req.Params, "environment", c.cfg.Environment)
	found, err := c.defaults(ctx, env, feature)
	if err != nil {
		return actiontype.Effect{}, err
	}
	if len(found) == 0 {
		return actiontype.Effect{Seen: c.http.Scrub(fmt.Sprintf("Flagsmith feature %s not found in environment %s", feature, env))}, nil
	}
	fs := found[0]
	return actiontype.Effect{Effective: fs.Enabled == req.Undo,
		Seen: c.http.Scrub(fmt.Sprintf("Flagsmith feature %s is %s in environment %s", feature, word(fs.Enabled), env))}, nil
}
