package webhook

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
)

var _ actiontype.Preflighter = (*Client)(nil)

// Preflight GETs the configured preflight URL, with the integration's
// token and headers, and wants a 2xx; without one it checks nothing
// (actiontype.ErrNoPreflight). It never calls the action's own URL: a
// webhook's meaning is the receiver's, and a GET to it could act.
func (c *Client) Preflight(ctx context.Context, _ actiontype.Request) error {
	if c.cfg.Preflight == "" {
		return actiontype.ErrNoPreflight
	}
	u, err := url.Parse(c.cfg.Preflight)
	if err != nil {
		return c.http.Fail("the preflight URL is invalid")
	}
	h := http.Header{}
	h.Set(HeaderTimestamp, strconv.FormatInt(c.http.Now().Unix(), 10))
	_, err = c.http.Do(ctx, httpx.Request{Method: http.MethodGet, URL: u, Header: h, What: "preflight URL"})
	return err
}
