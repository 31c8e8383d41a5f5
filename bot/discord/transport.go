package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/bwmarrin/discordgo"
)

// Pointing discordgo at another REST base.
//
// discordgo builds every URL from package-level variables (EndpointAPI,
// EndpointChannels, … and functions that read them). Assigning them would
// change the base for the whole process, and assigning them while another
// goroutine builds a URL is a data race; recomputing every derived string
// variable after changing EndpointDiscord is also easy to get wrong when
// discordgo adds one. So this package leaves them alone: it only reads
// discordgo.EndpointAPI, once, and gives each session an http.Client whose
// transport rewrites the prefix of every request URL from discordgo's
// default base to the configured one. Each Adapter can point somewhere
// else (tests run many fake servers in parallel) and nothing global moves.
//
// Limits: the rewrite applies to REST requests made through the session's
// Client. The gateway websocket is dialled at the URL that GET /gateway
// returns (through the rewritten base), so a fake or proxy answers with its
// own websocket URL. CDN URLs are never requested by this package; the
// transport refuses any URL outside the API base rather than letting it
// reach discord.com.

// rewriteTransport sends discordgo's REST requests to another base URL and
// records each response's status and headers for the caller.
type rewriteTransport struct {
	from string   // discordgo's base, "https://discord.com/api/v9/"
	to   *url.URL // the configured base, ending in "/"
	next http.RoundTripper
}

func newRewriteTransport(base string, next http.RoundTripper) (*rewriteTransport, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("discord api url %q: want an absolute http(s) URL", base)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	if next == nil {
		next = http.DefaultTransport
	}
	return &rewriteTransport{from: discordgo.EndpointAPI, to: u, next: next}, nil
}

// errOutsideAPI is returned for a request discordgo builds outside its API
// base (a CDN URL); this package makes none.
var errOutsideAPI = errors.New("discord: refusing a request outside the API base")

// RoundTrip implements http.RoundTripper.
func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rest, ok := strings.CutPrefix(req.URL.String(), t.from)
	if !ok {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, errOutsideAPI
	}
	target, err := t.to.Parse(rest)
	if err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, errors.New("discord: cannot rebase a request path")
	}
	out := req.Clone(req.Context())
	out.URL = target
	out.Host = ""
	resp, err := t.next.RoundTrip(out)
	if resp != nil {
		if info := infoFrom(req.Context()); info != nil {
			info.record(resp.StatusCode, resp.Header)
		}
	}
	return resp, err
}

// respInfo holds what the transport saw of one call's last response, so
// that errors can be classified by status and rate-limit headers even when
// discordgo does not surface them.
type respInfo struct {
	mu     sync.Mutex
	status int
	header http.Header
}

func (i *respInfo) record(status int, h http.Header) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.status, i.header = status, h.Clone()
}

func (i *respInfo) get() (int, http.Header) {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.status, i.header
}

type respInfoKey struct{}

// withRespInfo returns a context that collects the response of the REST
// call made with it.
func withRespInfo(ctx context.Context) (context.Context, *respInfo) {
	info := &respInfo{}
	return context.WithValue(ctx, respInfoKey{}, info), info
}

func infoFrom(ctx context.Context) *respInfo {
	i, _ := ctx.Value(respInfoKey{}).(*respInfo)
	return i
}
