package unleash

import (
	"context"
	"fmt"

	"github.com/tourniquet/tourniquet/actiontype"
)

var _ actiontype.Verifier = (*Client)(nil)

// Verify reads the feature back,
//
//	GET {url}/api/admin/projects/{project}/features/{feature}
//
// and reports it effective when it is disabled in the environment
// (enabled, for an undo).
func (c *Client) Verify(ctx context.Context, req actiontype.Request, _ actiontype.Result) (actiontype.Effect, error) {
	r := c.ref(req.Params)
	f, err := c.readFeature(ctx, r)
	if err != nil {
		return actiontype.Effect{}, err
	}
	enabled, ok := f.environment(r.env)
	if !ok {
		return actiontype.Effect{Seen: c.http.Scrub(fmt.Sprintf("Unleash feature %s has no environment %s", r.feature, r.env))}, nil
	}
	state := map[bool]string{true: "on", false: "off"}[enabled]
	return actiontype.Effect{Effective: enabled == req.Undo,
		Seen: c.http.Scrub(fmt.Sprintf("Unleash feature %s is %s in %s", r.feature, state, r.env))}, nil
}
