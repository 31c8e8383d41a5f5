package spec_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
)

func TestParamsCheck(t *testing.T) {
	p := spec.Params{List: []spec.Param{{Name: "flag", Required: true, Doc: "the flag key"}, {Name: "env"}}}
	got := p.Check(map[string]string{"zzz": "1", "aaa": "2", "flag": " "})
	want := []string{"aaa: unknown param (accepted: flag, env)", "zzz: unknown param (accepted: flag, env)", "flag: required: the flag key"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("[%d] = %q, want %q", i, got[i], want[i])
		}
	}
	p.Open = true
	if got := p.Check(map[string]string{"anything": "x", "flag": "f"}); len(got) != 0 {
		t.Errorf("open spec: %v", got)
	}
}

func TestChecker(t *testing.T) {
	in := config.Integration{Type: "x", Settings: map[string]any{
		"url": "ftp://a", "timeout": "-1s", "flag": "maybe", "mode": "z", "headers": map[string]any{"a": "1", "b": []any{1}}, "oops": 1,
	}, Secrets: map[string]config.Secret{}}
	c := spec.Check(in)
	c.Known([]string{"url", "timeout", "flag", "mode", "headers"}, []string{"token"})
	c.URL("url")
	if d := c.Duration("timeout", 5*time.Second); d != 5*time.Second {
		t.Errorf("Duration = %v", d)
	}
	c.Bool("flag", false)
	c.OneOf("mode", "a", "a", "b")
	c.StringMap("headers")
	c.RequiredSecret("token", "a token")
	var keys []string
	for _, p := range c.Problems() {
		keys = append(keys, p.Key)
	}
	if got := strings.Join(keys, ","); got != "oops,url,timeout,flag,mode,headers.b,token" {
		t.Errorf("problem keys = %s\n%v", got, c.Problems())
	}
	if err := spec.Err("x", c.Problems()); err == nil || !strings.HasPrefix(err.Error(), "x integration: oops: unknown key") {
		t.Errorf("Err = %v", err)
	}
}

func TestNote(t *testing.T) {
	req := actiontype.Request{RunID: "r1", IncidentKey: "INC-7", ActionID: "kill", ActionTitle: "Kill switch",
		Actor: incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}, Undo: true}
	if got := spec.Note(req); got != "INC-7: undo of Kill switch, by alice (Tourniquet run r1)" {
		t.Errorf("Note = %q", got)
	}
}

func TestParser(t *testing.T) {
	type cfg struct{ URL, Token string }
	p := spec.Parser[cfg]{Type: "x", Settings: []string{"url"}, Secrets: []string{"token"},
		Parse: func(c *spec.Checker, in config.Integration) cfg {
			c.RequiredSecret("token", "a token")
			return cfg{URL: c.URL("url"), Token: in.Secret("token").Reveal()}
		}}
	in := config.Integration{Type: "x", Settings: map[string]any{"url": "ftp://a", "oops": 1},
		Secrets: map[string]config.Secret{"extra": config.NewSecret("s3cret")}}
	var keys []string
	for _, pr := range p.Validate(in) {
		keys = append(keys, pr.Key)
	}
	if got := strings.Join(keys, ","); got != "extra,oops,token,url" {
		t.Errorf("problem keys = %s (unknown keys first, then the parse's)", got)
	}
	got, err := p.Config(in)
	if err == nil || !strings.HasPrefix(err.Error(), "x integration: extra: unknown key") || got.URL != "ftp://a" {
		t.Errorf("Config = %+v, %v", got, err)
	}

	p.AnySecret = true
	in.Settings = map[string]any{"url": "https://a"}
	in.Secrets["token"] = config.NewSecret("tok3n")
	if got, err := p.Config(in); err != nil || got != (cfg{"https://a", "tok3n"}) {
		t.Errorf("AnySecret: Config = %+v, %v", got, err)
	}
	if pr := p.Validate(in); pr != nil {
		t.Errorf("AnySecret: Validate = %v", pr)
	}
}
