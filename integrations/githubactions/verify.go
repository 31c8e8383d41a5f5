package githubactions

import (
	"context"
	"fmt"
	"regexp"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
)

var _ actiontype.Verifier = (*Client)(nil)

// runURL finds the run's ID in the link Run returned when GitHub gave the
// run's details (return_run_details).
var runURL = regexp.MustCompile(`/actions/runs/(\d+)$`)

// workflowRun is the part of a workflow run Verify reads.
type workflowRun struct {
	Status     string `json:"status"`
	Conclusion string `json:"conclusion"`
	HTMLURL    string `json:"html_url"`
}

// Verify reads the dispatched run,
//
//	GET {url}/repos/{owner}/{repo}/actions/runs/{run_id}
//
// and reports it effective once it completed with conclusion success; a
// run queued or in progress is looked at again, one that concluded
// otherwise is final. Only a dispatch that returned the run's details
// (return_run_details) can be checked: without it there is no run to read,
// which is said as such.
func (c *Client) Verify(ctx context.Context, _ actiontype.Request, res actiontype.Result) (actiontype.Effect, error) {
	m := runURL.FindStringSubmatch(res.URL)
	if m == nil {
		return actiontype.Effect{}, c.http.Fail("the dispatch returned no run to check (set return_run_details)")
	}
	var run workflowRun
	if _, err := c.http.Do(ctx, httpx.Request{
		Path: []string{"repos", c.cfg.Owner, c.cfg.Repo, "actions", "runs", m[1]},
		Out:  &run,
		What: "workflow run " + m[1],
	}); err != nil {
		return actiontype.Effect{}, err
	}
	if run.Status != "completed" {
		return actiontype.Effect{Seen: c.http.Scrub(fmt.Sprintf("workflow run %s is %s", m[1], run.Status))}, nil
	}
	seen := c.http.Scrub(fmt.Sprintf("workflow run %s concluded %s", m[1], run.Conclusion))
	return actiontype.Effect{Effective: run.Conclusion == "success", Final: true, Seen: seen}, nil
}
