package sandbox

import (
	"context"

	"github.com/tourniquet/tourniquet/actiontype"
)

var _ actiontype.Preflighter = (*Client)(nil)

// Preflight checks that the sandbox knows the action's service or flag;
// it changes nothing.
func (c *Client) Preflight(_ context.Context, req actiontype.Request) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case req.Params["flag"] != "":
		if _, ok := c.flags[req.Params["flag"]]; !ok {
			return fail("the sandbox flag service has no flag %q", req.Params["flag"])
		}
	case req.Params["service"] != "":
		if _, ok := c.versions[req.Params["service"]]; !ok {
			return fail("the sandbox deploy system has no service %q", req.Params["service"])
		}
	default:
		return fail("say what to do: params service and version (a rollback) or flag (a kill switch)")
	}
	return nil
}
