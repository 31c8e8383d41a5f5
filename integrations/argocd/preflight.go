package argocd

import (
	"context"
	"net/url"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
)

var _ actiontype.Preflighter = (*Client)(nil)

// Preflight reads the action's application (GET
// /api/v1/applications/{name}): the token works and the application
// exists. It changes nothing.
func (c *Client) Preflight(ctx context.Context, req actiontype.Request) error {
	if p := paramSpec.Missing(req.Params); len(p) > 0 {
		return c.http.Fail("action param %s", p[0])
	}
	name := spec.Pick(req.Params, "application", "")
	ns := spec.Pick(req.Params, "app_namespace", c.cfg.AppNamespace)
	var query url.Values
	if ns != "" {
		query = url.Values{"appNamespace": {ns}}
	}
	var app Application
	_, err := c.http.Do(ctx, httpx.Request{Path: []string{"api", "v1", "applications", name}, Query: query, Out: &app,
		What: "application " + name})
	return err
}
