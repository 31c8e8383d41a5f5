package app

import (
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/config"
)

// request sends a GET to addr with the given Host header and bearer token
// ("" for none) and returns the status and body.
func request(t *testing.T, addr, path, host, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func localConfig(t *testing.T) *config.Config {
	cfg := config.Default()
	cfg.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "t.db")
	cfg.Listen = "127.0.0.1:0"
	return cfg
}

// In open local mode (no API token, loopback listen address) a web page
// the user visits could rebind its own name to 127.0.0.1 and read the
// incidents; only loopback names (and the public URL's host) are answered.
func TestOpenLocalModeRefusesForeignHosts(t *testing.T) {
	cfg := localConfig(t)
	cfg.PublicURL = "http://tourniquet.localtest.me:8080"
	addr := serveWith(t, ServeOptions{Config: cfg})
	_, port, _ := net.SplitHostPort(addr)
	for _, host := range []string{"evil.example", "evil.example:" + port, "127.0.0.1.nip.io:" + port, "localhost.evil.example"} {
		for _, path := range []string{"/incidents", "/metrics"} {
			code, body := request(t, addr, path, host, "")
			if code != http.StatusMisdirectedRequest || !strings.Contains(body, "localhost") || len(body) > 300 {
				t.Errorf("Host %s %s: %d %.80q, want a short 421", host, path, code, body)
			}
		}
	}
	for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST", "[::1]:" + port, "127.0.0.1",
		"tourniquet.localtest.me:8080"} {
		if code, body := request(t, addr, "/incidents", host, ""); code != http.StatusOK {
			t.Errorf("Host %s: %d %.80q, want 200", host, code, body)
		}
	}
}

// With an API token nothing is open, and the Host header is not checked:
// the token is.
func TestHostNotCheckedWithToken(t *testing.T) {
	const token = "host-test-api-token"
	cfg := localConfig(t)
	cfg.APIToken = config.NewSecret(token)
	addr := serveWith(t, ServeOptions{Config: cfg})
	if code, body := request(t, addr, "/incidents", "tourniquet.example.com", token); code != http.StatusOK {
		t.Fatalf("with the token: %d %.80q", code, body)
	}
	if code, _ := request(t, addr, "/incidents", "tourniquet.example.com", ""); code != http.StatusUnauthorized {
		t.Fatalf("without the token: %d, want 401", code)
	}
}

// With metrics_token set, /metrics wants it as a bearer token and
// answers anything else with a bare 401; without one it stays open.
func TestMetricsToken(t *testing.T) {
	const token = "metrics-test-token-1234"
	cfg := localConfig(t)
	cfg.MetricsToken = config.NewSecret(token)
	addr := serveWith(t, ServeOptions{Config: cfg})
	for _, tok := range []string{"", "wrong-token", token + "x"} {
		if code, body := request(t, addr, "/metrics", "127.0.0.1", tok); code != http.StatusUnauthorized || body != "" {
			t.Errorf("/metrics with token %q: %d %.80q, want a bare 401", tok, code, body)
		}
	}
	code, body := request(t, addr, "/metrics", "127.0.0.1", token)
	if code != http.StatusOK || !strings.Contains(body, "tourniquet_open_incidents") {
		t.Fatalf("/metrics with the token: %d\n%.300s", code, body)
	}
	if code, _ := request(t, addr, "/healthz", "127.0.0.1", ""); code != http.StatusOK {
		t.Fatalf("/healthz needs no token: %d", code)
	}

	open := serveWith(t, ServeOptions{Config: localConfig(t)})
	if code, _ := request(t, open, "/metrics", "127.0.0.1", ""); code != http.StatusOK {
		t.Fatalf("/metrics without metrics_token configured: %d, want 200", code)
	}
}
