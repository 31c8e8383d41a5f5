package unleash

import (
	"context"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
)

var _ actiontype.Preflighter = (*Client)(nil)

// feature is the part of Unleash's feature answer the preflight reads.
type feature struct {
	Name         string `json:"name"`
	Environments []struct {
		Name string `json:"name"`
	} `json:"environments"`
}

// Preflight reads the action's feature (GET
// /api/admin/projects/{project}/features/{feature}): the token works, the
// feature exists, and so does its environment. It changes nothing.
func (c *Client) Preflight(ctx context.Context, req actiontype.Request) error {
	if p := paramSpec(c.cfg.Environment).Missing(req.Params); len(p) > 0 {
		return c.http.Fail("action param %s", p[0])
	}
	name := spec.Pick(req.Params, "feature", "")
	project := spec.Pick(req.Params, "project", c.cfg.Project)
	env := spec.Pick(req.Params, "environment", c.cfg.Environment)
	var got feature
	if _, err := c.http.Do(ctx, httpx.Request{
		Path: []string{"api", "admin", "projects", project, "features", name},
		Out:  &got,
		What: "feature " + name + " in project " + project,
	}); err != nil {
		return err
	}
	if got.Environments == nil {
		return nil
	}
	for _, e := range got.Environments {
		if e.Name == env {
			return nil
		}
	}
	return c.http.Fail("feature %s has no environment %s", name, env)
}
