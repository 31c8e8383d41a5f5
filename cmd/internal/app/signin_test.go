package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/config"
)

// Issue #19, as served: with an API token and OIDC configured, a page
// request is sent to sign in (not a bare 401), the provider's sign-in
// brings the manager to the list, and the API still wants its token.
func TestServeSignin(t *testing.T) {
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = idp.Shutdown() }()
	oc := idp.Config()
	cfg := config.Default()
	cfg.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "t.db")
	cfg.Listen = "127.0.0.1:0"
	cfg.APIToken = config.NewSecret("api-token-for-the-signin-test")
	cfg.OIDC = config.OIDC{Issuer: oc.Issuer, ClientID: oc.ClientID, ClientSecret: config.NewSecret(oc.ClientSecret),
		AllowedDomains: []string{"example.com"}, GroupsClaim: "groups",
		SessionKey: config.NewSecret("session-key-of-the-serve-test-0123456789"), SessionTTL: config.DefaultSessionTTL}
	in, _ := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The provider is told to send browsers to the public URL, whatever
	// the listen address.
	cfg.PublicURL = "http://placeholder"
	addr, _ := startServe(ctx, t, ServeOptions{Config: cfg, Console: true, Stdin: in, Stdout: &bottest.Buffer{},
		Logger: slog.New(slog.DiscardHandler)})
	base := "http://" + addr

	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(base + "/incidents")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/auth/signin?next=%2Fincidents" {
		t.Fatalf("/incidents signed out: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if code, body := get(t, base+"/api/v1/incidents"); code != 401 || body != "" {
		t.Errorf("API without the token: %d %q", code, body)
	}
	res, err = noFollow.Get(base + "/auth/login?next=/reports")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, idp.AuthorizationEndpoint()+"?") ||
		!strings.Contains(loc, "redirect_uri=http%3A%2F%2Fplaceholder%2Fauth%2Fcallback") {
		t.Errorf("login: %d to %q", res.StatusCode, loc)
	}
}
