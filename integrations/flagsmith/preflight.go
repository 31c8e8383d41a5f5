package flagsmith

import (
	"context"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
)

var _ actiontype.Preflighter = (*Client)(nil)

// Preflight reads the action's feature state in its environment (GET
// /api/v1/environments/{env}/featurestates/?feature_name=…), as Run
// does before it changes anything, and stops there: the key works and
// exactly one environment default matches.
func (c *Client) Preflight(ctx context.Context, req actiontype.Request) error {
	if p := paramSpec(c.cfg.Environment).Missing(req.Params); len(p) > 0 {
		return c.http.Fail("action param %s", p[0])
	}
	name := spec.Pick(req.Params, "feature", "")
	env := spec.Pick(req.Params, "environment", c.cfg.Environment)
	found, err := c.defaults(ctx, env, name)
	if err != nil {
		return err
	}
	switch len(found) {
	case 0:
		return c.http.Fail("feature %s not found in environment %s", name, env)
	case 1:
		return nil
	}
	return c.http.Fail("%d feature states match %s in environment %s; a run would refuse to guess", len(found), name, env)
}
