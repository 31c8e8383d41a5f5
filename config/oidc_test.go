package config

import (
	"strings"
	"testing"
)

// Sign-in settings: a usable OIDC block loads with its defaults, each
// missing or weak piece is named, and the secrets never print.
func TestOIDCConfig(t *testing.T) {
	fsys := files{"/run/secrets/oidc": "client-secret-value\n"}
	good := `public_url: https://tq.example.com
oidc:
  issuer: https://idp.example.com
  client_id: tourniquet
  client_secret_file: /run/secrets/oidc
  allowed_domains: ["@Example.com"]
proxy_auth:
  trusted_proxies: [10.0.0.0/8, 127.0.0.1]
`
	key := strings.Repeat("k", 32)
	c := mustLoad(t, good, env{"TOURNIQUET_OIDC_SESSION_KEY": key}, fsys)
	if c.OIDC.ClientSecret.Reveal() != "client-secret-value" || c.OIDC.SessionKey.Reveal() != key ||
		c.OIDC.SessionTTL != DefaultSessionTTL || c.OIDC.GroupsClaim != "groups" || c.OIDC.AllowedDomains[0] != "example.com" {
		t.Errorf("loaded %+v", c.OIDC)
	}
	if got := len(c.ProxyAuth.Prefixes()); got != 2 || c.ProxyAuth.EmailHeader != DefaultEmailHeader {
		t.Errorf("proxy auth: %d prefixes, header %q", got, c.ProxyAuth.EmailHeader)
	}
	for _, v := range c.SecretValues() {
		if v == key {
			goto found
		}
	}
	t.Error("the session key is not among the secret values to redact")
found:

	bad := `oidc:
  issuer: not a url
proxy_auth:
  trusted_proxies: [nonsense]
`
	_, err := load(t, bad, env{"TOURNIQUET_OIDC_SESSION_KEY": "short"}, nil)
	if err == nil {
		t.Fatal("bad oidc block loaded")
	}
	msg := err.Error()
	for _, want := range []string{"oidc.issuer", "oidc.client_id", "oidc.client_secret", "oidc.session_key (from TOURNIQUET_OIDC_SESSION_KEY): too short", "proxy_auth.trusted_proxies[0]"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "short\n") || strings.Contains(msg, `"short"`) {
		t.Errorf("error prints the session key:\n%s", msg)
	}
}

// The database password comes from one secret file into the URL's user
// info, and never prints.
func TestDatabasePasswordFile(t *testing.T) {
	c := mustLoad(t, "database_url: postgres://tourniquet@db:5432/tourniquet?sslmode=disable\ndatabase_password_file: /run/secrets/db-password\n",
		nil, files{"/run/secrets/db-password": "s3cr3t p@ss/word\n"})
	if c.DatabaseURL != "postgres://tourniquet:s3cr3t%20p%40ss%2Fword@db:5432/tourniquet?sslmode=disable" {
		t.Errorf("database url %q", c.DatabaseURL)
	}
	if strings.Contains(c.RedactedDatabaseURL(), "s3cr3t") {
		t.Errorf("redacted URL shows the password: %s", c.RedactedDatabaseURL())
	}
	found := false
	for _, v := range c.SecretValues() {
		found = found || v == "s3cr3t p@ss/word"
	}
	if !found {
		t.Error("the password is not among the values to redact")
	}
	c = mustLoad(t, "database_url: postgres://tourniquet:inline@db/x\ndatabase_password: other\n", nil, nil)
	if !strings.Contains(c.DatabaseURL, ":inline@") || len(c.Warnings) == 0 {
		t.Errorf("a URL with its own password: %q, warnings %v", c.DatabaseURL, c.Warnings)
	}
}
