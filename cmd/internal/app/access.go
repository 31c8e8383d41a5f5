package app

import (
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/tourniquet/tourniquet/cmd/internal/app/metrics"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/timeline/web"
)

// openLocalMode reports whether the report pages are open without
// sign-in: no API token and no sign-in is configured and the listen
// address is loopback, the "try it on my laptop" setup.
func openLocalMode(cfg *config.Config) bool {
	return !cfg.APIToken.IsSet() && !cfg.OIDC.Enabled() && !cfg.ProxyAuth.Enabled() && web.IsLoopback(cfg.Listen)
}

// misdirected is what a request naming a foreign host gets in open local
// mode.
const misdirected = "tourniquet: without an API token this server answers only to localhost, 127.0.0.1 and [::1]\n"

// localHostsOnly answers only requests whose Host is a loopback name
// (localhost, 127.0.0.1, [::1], any port) or the public URL's host, and
// others with a 421. In open local mode this stops DNS rebinding: a web
// page the user visits could point its own name at 127.0.0.1 and read
// the incidents with the user's browser, but its requests still carry
// its own name as Host.
func localHostsOnly(next http.Handler, publicURL string) http.Handler {
	public := ""
	if u, err := url.Parse(publicURL); err == nil {
		public = strings.ToLower(u.Hostname())
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !localHost(r.Host, public) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusMisdirectedRequest)
			_, _ = w.Write([]byte(misdirected))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// localHost reports whether a Host header names this machine's loopback
// interface or public (the public URL's host name, "" for none).
func localHost(hostport, public string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if host == "" {
		return false
	}
	if host == "localhost" || host == public {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// requireBearer lets through only requests carrying "Authorization:
// Bearer <token>", and answers others with a bare 401: no body, nothing
// about what was wrong.
func requireBearer(next http.Handler, token config.Secret) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || !token.Matches(strings.TrimSpace(tok)) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tourniquet"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// metricsHandler is /metrics, behind the metrics token when one is set.
func metricsHandler(cfg *config.Config, m *metrics.Metrics, log *slog.Logger) http.Handler {
	if !cfg.MetricsToken.IsSet() {
		if !web.IsLoopback(cfg.Listen) {
			log.Info("/metrics is open to anyone who reaches the listen address; set metrics_token to require a bearer token", "listen", cfg.Listen)
		}
		return m.Handler()
	}
	return requireBearer(m.Handler(), cfg.MetricsToken)
}
