package githubactions

import (
	"context"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
)

var _ actiontype.Preflighter = (*Client)(nil)

// workflow is the part of GitHub's workflow answer the preflight reads.
type workflow struct {
	ID    int64  `json:"id"`
	State string `json:"state"`
}

// Preflight reads the action's workflow (GET
// /repos/{owner}/{repo}/actions/workflows/{workflow}): the token works,
// the workflow exists and is active. It changes nothing.
func (c *Client) Preflight(ctx context.Context, req actiontype.Request) error {
	if p := paramSpec(c.cfg.Workflow, c.cfg.Ref).Missing(req.Params); len(p) > 0 {
		return c.http.Fail("action param %s", p[0])
	}
	name := spec.Pick(req.Params, "workflow", c.cfg.Workflow)
	var got workflow
	if _, err := c.http.Do(ctx, httpx.Request{
		Path: []string{"repos", c.cfg.Owner, c.cfg.Repo, "actions", "workflows", name},
		Out:  &got,
		What: "repository " + c.cfg.Owner + "/" + c.cfg.Repo + " or workflow " + name,
	}); err != nil {
		return err
	}
	if got.State != "" && got.State != "active" {
		return c.http.Fail("workflow %s is %s, so a dispatch would be refused", name, got.State)
	}
	return nil
}
