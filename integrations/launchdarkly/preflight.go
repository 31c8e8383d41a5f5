package launchdarkly

import (
	"context"

	"github.com/tourniquet/tourniquet/actiontype"
)

var _ actiontype.Preflighter = (*Client)(nil)

// Preflight reads the action's flag in its environment (GET
// /api/v2/flags/{project}/{flag}?env=…): the token works, the flag and the
// environment exist. It changes nothing.
func (c *Client) Preflight(ctx context.Context, req actiontype.Request) error {
	if p := paramSpec(c.cfg.Project, c.cfg.Environment).Missing(req.Params); len(p) > 0 {
		return c.http.Fail("action param %s", p[0])
	}
	r := c.ref(req.Params)
	got, err := c.readFlag(ctx, r)
	if err != nil {
		return err
	}
	if _, ok := got.Environments[r.env]; !ok && got.Environments != nil {
		return c.http.Fail("flag %s has no environment %s", r.flag, r.env)
	}
	return nil
}
