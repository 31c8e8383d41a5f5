package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary YAML and TOURNIQUET_* values to Load. It must
// never panic, must answer the same way twice, must report a failure as
// an *Errors listing at least one problem, and must never quote a secret
// read from a *_file in that error (check-config prints it).
func FuzzLoad(f *testing.F) {
	seeds := []struct{ yaml, env string }{
		{"", ""},
		{"listen: 127.0.0.1:9090\ndatabase_url: sqlite:/tmp/x.db\n", ""},
		{"slack:\n  bot_token_file: /run/secrets/bot\n  signing_secret_file: /run/secrets/sign\n  api_url: http://127.0.0.1:1/api/\n", ""},
		{"slack:\n  bot_token: xoxb-1\n  app_token_file: /run/secrets/app\n", "TOURNIQUET_SLACK_SIGNING_SECRET_FILE=/run/secrets/sign"},
		{"discord:\n  bot_token_file: /run/secrets/d\n  app_id: \"1\"\n  public_key: \"abcd\"\n  channel_mode: thread\n", ""},
		{"checkins:\n  cadence: {sev1: \"@every 2s\", sev2: \"*/15 * * * *\", sev3: \"@every 1h\", sev4: bogus}\n  escalate_after: -1\n", ""},
		{"integrations:\n  hook: {type: webhook, url: \"https://x/y\", secret_file: /run/secrets/hook}\nactions:\n  - id: a\n    title: A\n    integration: hook\n    timeout: 30s\n    allowed: [lead, \"group:sre\"]\n", ""},
		{"groups:\n  sre: [\"slack:U1\", \"discord:2\"]\npermissions:\n  resolve: [lead, declarer, \"group:sre\"]\n", ""},
		{"api_token_file: /run/secrets/api\nlink_secret_file: /run/secrets/link\nopenai: {api_key_file: /run/secrets/oai, base_url: http://127.0.0.1:11434/v1, timeout: 20s}\n", ""},
		{"listen: [\n", "TOURNIQUET_LOG_LEVEL=loud"},
		{"a: &x {b: *x}\n", ""},
		{"slack: {bot_token_file: /run/secrets/bot, bot_token: inline}\n", "TOURNIQUET_DATABASE_URL=postgres://u:pw@db/x\nTOURNIQUET_LISTEN=:http"},
	}
	for _, s := range seeds {
		f.Add(s.yaml, s.env)
	}
	// The content of every secret file: random, so the fuzzer cannot put
	// it in the YAML itself and have it quoted legitimately.
	var b [16]byte
	_, _ = rand.Read(b[:])
	secret := "tqfz" + hex.EncodeToString(b[:])
	f.Fuzz(func(t *testing.T, yaml, envLines string) {
		e := env{}
		for _, line := range strings.Split(envLines, "\n") {
			if k, v, ok := strings.Cut(line, "="); ok && strings.HasPrefix(k, "TOURNIQUET_") {
				e[k] = v
			}
		}
		read := func(path string) ([]byte, error) {
			switch {
			case path == cfgPath:
				return []byte(yaml), nil
			case strings.HasPrefix(path, "/run/secrets/"):
				return []byte(secret + "\n"), nil
			}
			return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
		}
		cfg, err := Load(cfgPath, e.get, read)
		cfg2, err2 := Load(cfgPath, e.get, read)
		if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
			t.Fatalf("Load is not deterministic: %v / %v", err, err2)
		}
		if err != nil {
			var errs *Errors
			if !errors.As(err, &errs) || len(errs.Problems) == 0 {
				t.Fatalf("a failure that is not an *Errors with problems: %T %v", err, err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("the error quotes a secret read from a file:\n%v", err)
			}
			return
		}
		if cfg == nil || cfg2 == nil {
			t.Fatal("no error and no config")
		}
		if cfg.Listen == "" || cfg.DatabaseURL == "" {
			t.Fatalf("a loaded config without defaults: listen %q, database %q", cfg.Listen, cfg.RedactedDatabaseURL())
		}
	})
}
