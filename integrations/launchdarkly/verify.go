package launchdarkly

import (
	"context"
	"fmt"

	"github.com/tourniquet/tourniquet/actiontype"
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
	r := c.ref(req.Params)
	got, err := c.readFlag(ctx, r)
	if err != nil {
		return actiontype.Effect{}, err
	}
	e, ok := got.Environments[r.env]
	if !ok {
		return actiontype.Effect{Seen: c.http.Scrub(fmt.Sprintf("flag %s has no environment %s", r.flag, r.env))}, nil
	}
	state := map[bool]string{true: "on", false: "off"}[e.On]
	return actiontype.Effect{Effective: e.On == req.Undo,
		Seen: c.http.Scrub(fmt.Sprintf("LaunchDarkly flag %s is %s in %s", r.flag, state, r.env))}, nil
}
