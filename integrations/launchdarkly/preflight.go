package launchdarkly

import (
	"context"
	"net/url"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
)

var _ actiontype.Preflighter = (*Client)(nil)

// Preflight reads the action's flag in its environment (GET
// /api/v2/flags/{project}/{flag}?env=…): the token works, the flag and the
// environment exist. It changes nothing.
func (c *Client) Preflight(ctx context.Context, req actiontype.Request) error {
	if p := paramSpec(c.cfg.Project, c.cfg.Environment).Missing(req.Params); len(p) > 0 {
		return c.http.Fail("action param %s", p[0])
	}
	flag := spec.Pick(req.Params, "flag", "")
	project := spec.Pick(req.Params, "project", c.cfg.Project)
	env := spec.Pick(req.Params, "environment", c.cfg.Environment)
	var got Flag
	if _, err := c.http.Do(ctx, httpx.Request{
		Path:  []string{"api", "v2", "flags", project, flag},
		Query: url.Values{"env": {env}},
		Out:   &got,
		What:  "flag " + flag + " in project " + project,
	}); err != nil {
		return err
	}
	if _, ok := got.Environments[env]; !ok && got.Environments != nil {
		return c.http.Fail("flag %s has no environment %s", flag, env)
	}
	return nil
}
