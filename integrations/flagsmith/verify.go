package flagsmith

import (
	"context"
	"fmt"
	"net/url"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
)

var _ actiontype.Verifier = (*Client)(nil)

// Verify reads the environment default's feature state back,
//
//	GET {url}/api/v1/environments/{environment}/featurestates/?feature_name={feature}
//
// and reports it effective when it is disabled (enabled, for an undo).
func (c *Client) Verify(ctx context.Context, req actiontype.Request, _ actiontype.Result) (actiontype.Effect, error) {
	feature := spec.Pick(req.Params, "feature", "")
	env := spec.Pick(req.Params, "environment", c.cfg.Environment)
	var list featureStates
	if _, err := c.http.Do(ctx, httpx.Request{
		Path:          []string{"api", "v1", "environments", env, "featurestates"},
		TrailingSlash: true,
		Query:         url.Values{"feature_name": {feature}},
		Out:           &list,
		What:          "environment " + env,
	}); err != nil {
		return actiontype.Effect{}, err
	}
	for _, fs := range list.Results {
		if fs.isDefault() {
			return actiontype.Effect{Effective: fs.Enabled == req.Undo,
				Seen: c.http.Scrub(fmt.Sprintf("Flagsmith feature %s is %s in environment %s", feature, word(fs.Enabled), env))}, nil
		}
	}
	return actiontype.Effect{Seen: c.http.Scrub(fmt.Sprintf("Flagsmith feature %s not found in environment %s", feature, env))}, nil
}
