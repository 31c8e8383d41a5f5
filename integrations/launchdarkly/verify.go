package launchdarkly

import (
	"context"
	"fmt"
	"net/url"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
)

var _ actiontype.Verifier = (*Client)(nil)

// Verify reads the flag back in the environment,
//
//	GET {url}/api/v2/flags/{project}/{flag}?env={environment}
//
// and reports it effective when it is off (on, for an undo). LaunchDarkly
// may answer from a replica that has not seen the change yet: the runner
// looks again.
func (c *Client) Verify(ctx context.Context, req actiontype.Request, _ actiontype.Result) (actiontype.Effect, error) {
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
		return actiontype.Effect{}, err
	}
	e, ok := got.Environments[env]
	if !ok {
		return actiontype.Effect{Seen: c.http.Scrub(fmt.Sprintf("flag %s has no environment %s", flag, env))}, nil
	}
	state := map[bool]string{true: "on", false: "off"}[e.On]
	return actiontype.Effect{Effective: e.On == req.Undo,
		Seen: c.http.Scrub(fmt.Sprintf("LaunchDarkly flag %s is %s in %s", flag, state, env))}, nil
}
