package unleash

import (
	"context"
	"fmt"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
)

var _ actiontype.Verifier = (*Client)(nil)

// featureEnvironments is the part of GET …/features/{feature} Verify reads.
type featureEnvironments struct {
	Name         string `json:"name"`
	Environments []struct {
		Name    string `json:"name"`
		Enabled bool   `json:"enabled"`
	} `json:"environments"`
}

// Verify reads the feature back,
//
//	GET {url}/api/admin/projects/{project}/features/{feature}
//
// and reports it effective when it is disabled in the environment
// (enabled, for an undo).
func (c *Client) Verify(ctx context.Context, req actiontype.Request, _ actiontype.Result) (actiontype.Effect, error) {
	name := spec.Pick(req.Params, "feature", "")
	project := spec.Pick(req.Params, "project", c.cfg.Project)
	env := spec.Pick(req.Params, "environment", c.cfg.Environment)
	var f featureEnvironments
	if _, err := c.http.Do(ctx, httpx.Request{
		Path: []string{"api", "admin", "projects", project, "features", name},
		Out:  &f,
		What: "feature " + name + " in project " + project,
	}); err != nil {
		return actiontype.Effect{}, err
	}
	for _, e := range f.Environments {
		if e.Name == env {
			state := map[bool]string{true: "on", false: "off"}[e.Enabled]
			return actiontype.Effect{Effective: e.Enabled == req.Undo,
				Seen: c.http.Scrub(fmt.Sprintf("Unleash feature %s is %s in %s", name, state, env))}, nil
		}
	}
	return actiontype.Effect{Seen: c.http.Scrub(fmt.Sprintf("Unleash feature %s has no environment %s", name, env))}, nil
}
