package unleash

import (
	"context"

	"github.com/tourniquet/tourniquet/actiontype"
)

var _ actiontype.Preflighter = (*Client)(nil)

// Preflight reads the action's feature (GET
// /api/admin/projects/{project}/features/{feature}): the token works, the
// feature exists, and so does its environment. It changes nothing.
func (c *Client) Preflight(ctx context.Context, req actiontype.Request) error {
	if p := paramSpec(c.cfg.Environment).Missing(req.Params); len(p) > 0 {
		return c.http.Fail("action param %s", p[0])
	}
	r := c.ref(req.Params)
	got, err := c.readFeature(ctx, r)
	if err != nil {
		return err
	}
	if _, ok := got.environment(r.env); !ok && got.Environments != nil {
		return c.http.Fail("feature %s has no environment %s", r.feature, r.env)
	}
	return nil
}
