package exec_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/integrations/exec"
)

const secret = "s3cr3t-Token-9f8e7d"

func integration(command []any, extra map[string]any) config.Integration {
	in := config.Integration{Type: exec.Type, Settings: map[string]any{"command": command},
		Secrets: map[string]config.Secret{"api_token": config.NewSecret(secret)}}
	for k, v := range extra {
		in.Settings[k] = v
	}
	return in
}

func client(t *testing.T, command []any, extra map[string]any) *exec.Client {
	t.Helper()
	c, err := exec.New("deploy", integration(command, extra))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func request(params map[string]string) actiontype.Request {
	return actiontype.Request{RunID: "0190a3b4-7000-8000-0000-00000000abcd", IncidentKey: "INC-7", ActionID: "rollback-shop",
		ActionTitle: "Roll back shop", Actor: incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}, Params: params}
}

func actionErr(t *testing.T, err error) *actiontype.Error {
	t.Helper()
	var e *actiontype.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *actiontype.Error", err, err)
	}
	if !strings.HasPrefix(e.Error(), "exec deploy: ") {
		t.Errorf("error %q does not name the integration", e.Error())
	}
	return e
}

func TestSuccessPassesArgumentsLiterally(t *testing.T) {
	c := client(t, []any{"sh", "-c", `printf '%s|' "$@"; echo "run=$TOURNIQUET_RUN_ID incident=$TOURNIQUET_INCIDENT actor=$TOURNIQUET_ACTOR"`,
		"script", "{{.Params.release}}", "--revision={{.Params.revision}}", "{{.ActionID}}"}, nil)
	// A param that would be a second command in a shell line is one argument.
	res, err := c.Run(context.Background(), request(map[string]string{"release": "shop; rm -rf / $(id)", "revision": "41"}))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := "shop; rm -rf / $(id)|--revision=41|rollback-shop|run=0190a3b4-7000-8000-0000-00000000abcd incident=INC-7 actor=slack:U1\n"
	if res.Output != want {
		t.Errorf("output = %q\nwant     %q", res.Output, want)
	}
	if !strings.Contains(res.Summary, "finished (exit 0)") || !strings.Contains(res.Summary, "run=0190a3b4") {
		t.Errorf("summary %q: want the exit status and the last line of output", res.Summary)
	}
}

func TestNonZeroExit(t *testing.T) {
	c := client(t, []any{"sh", "-c", "echo 'release shop not found' >&2; exit 3"}, nil)
	res, err := c.Run(context.Background(), request(nil))
	e := actionErr(t, err)
	if e.MayHaveRun || e.Retryable {
		t.Errorf("a command that exited 3 is a plain failure, got MayHaveRun=%v Retryable=%v", e.MayHaveRun, e.Retryable)
	}
	if !strings.Contains(e.Msg, "exited with status 3: release shop not found") {
		t.Errorf("message %q: want the status and the last line of output", e.Msg)
	}
	if res.Output != "release shop not found\n" {
		t.Errorf("output = %q", res.Output)
	}
}

func TestTimeoutStopsTheWholeProcessGroup(t *testing.T) {
	// The script starts a child that would outlive it; the timeout must
	// stop both, and quickly.
	c := client(t, []any{"sh", "-c", "echo started; sleep 30 & sleep 30"}, map[string]any{"timeout": "300ms"})
	start := time.Now()
	res, err := c.Run(context.Background(), request(nil))
	took := time.Since(start)
	e := actionErr(t, err)
	if !e.MayHaveRun || !actiontype.IsIndeterminate(err) {
		t.Errorf("a command stopped at the timeout may have done part of its work: MayHaveRun=%v", e.MayHaveRun)
	}
	if !strings.Contains(e.Msg, "stopped after 300ms") || !strings.Contains(e.Msg, "may have done part of its work") {
		t.Errorf("message %q", e.Msg)
	}
	if took > 10*time.Second {
		t.Errorf("Run took %s: the background child kept it waiting", took)
	}
	if !strings.Contains(res.Output, "started") {
		t.Errorf("output before the timeout is lost: %q", res.Output)
	}
}

func TestContextDeadlineIsTheTimeoutWhenSooner(t *testing.T) {
	c := client(t, []any{"sleep", "30"}, map[string]any{"timeout": "1m"})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := c.Run(ctx, request(nil))
	if e := actionErr(t, err); !e.MayHaveRun {
		t.Errorf("want MayHaveRun for a command cut by the caller's deadline: %v", e)
	}
}

func TestOutputTruncatedAndRedacted(t *testing.T) {
	// 20000 lines of output, the secret among them, then a last line.
	c := client(t, []any{"sh", "-c", `echo "first line token=$API_TOKEN"; i=0; while [ $i -lt 20000 ]; do echo "line $i"; i=$((i+1)); done; echo "last line $API_TOKEN"; exit 1`},
		map[string]any{"output_limit": 256})
	res, err := c.Run(context.Background(), request(nil))
	e := actionErr(t, err)
	for name, text := range map[string]string{"output": res.Output, "error": e.Error()} {
		if strings.Contains(text, secret) {
			t.Errorf("the secret leaked into the %s: %q", name, text)
		}
	}
	if !strings.HasPrefix(res.Output, "first line token=<secret>") || !strings.HasSuffix(res.Output, "last line <secret>\n") {
		t.Errorf("output keeps neither its start nor its end:\n%s", res.Output)
	}
	if !strings.Contains(res.Output, "bytes cut]") || len(res.Output) > 256+64 {
		t.Errorf("output of %d bytes is not truncated to about 256:\n%s", len(res.Output), res.Output)
	}
	if !strings.HasSuffix(e.Msg, "exited with status 1: last line <secret>") {
		t.Errorf("message %q", e.Msg)
	}
}

func TestEnvironmentIsSmall(t *testing.T) {
	t.Setenv("TOURNIQUET_SLACK_BOT_TOKEN", "xoxb-do-not-leak")
	c := client(t, []any{"env"}, map[string]any{"env": map[string]any{"TARGET": "{{.Params.release}}"}})
	res, err := c.Run(context.Background(), request(map[string]string{"release": "shop"}))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(res.Output, "xoxb-do-not-leak") {
		t.Errorf("the bot's own environment reached the command:\n%s", res.Output)
	}
	for _, want := range []string{"TARGET=shop", "API_TOKEN=<secret>", "TOURNIQUET_UNDO=false", "TOURNIQUET_ACTION=rollback-shop"} {
		if !strings.Contains(res.Output, want) {
			t.Errorf("environment lacks %s:\n%s", want, res.Output)
		}
	}
}

func TestProgramNotFound(t *testing.T) {
	c := client(t, []any{"tourniquet-no-such-program", "x"}, nil)
	_, err := c.Run(context.Background(), request(nil))
	e := actionErr(t, err)
	if e.MayHaveRun || !strings.Contains(e.Msg, "cannot run tourniquet-no-such-program") {
		t.Errorf("error %+v", e)
	}
}

func TestMissingParamIsRefusedBeforeRunning(t *testing.T) {
	c := client(t, []any{"echo", "{{.Params.release}}"}, nil)
	_, err := c.Run(context.Background(), request(nil))
	if e := actionErr(t, err); !strings.Contains(e.Msg, "release: required") {
		t.Errorf("message %q", e.Msg)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name     string
		settings map[string]any
		want     []string
	}{
		{"ok", map[string]any{"command": []any{"helm", "rollback", "{{.Params.release}}"}, "timeout": "2m"}, nil},
		{"no command", map[string]any{}, []string{"command: required"}},
		{"a shell line", map[string]any{"command": "helm rollback shop"}, []string{"command: must be a list of strings"}},
		{"templated program", map[string]any{"command": []any{"{{.Params.tool}}", "x"}}, []string{"cannot be a template"}},
		{"bad template", map[string]any{"command": []any{"echo", "{{.Nope}}"}}, []string{"command: command[1]:"}},
		{"unknown key", map[string]any{"command": []any{"echo"}, "shell": true}, []string{"shell: unknown key for type exec"}},
		{"bad timeout", map[string]any{"command": []any{"echo"}, "timeout": "soon"}, []string{"timeout: must be a positive duration"}},
		{"bad env", map[string]any{"command": []any{"echo"}, "env": map[string]any{"1X": "y"}}, []string{"env.1X: not a valid"}},
		{"bad limit", map[string]any{"command": []any{"echo"}, "output_limit": "lots"}, []string{"output_limit: must be a number"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			problems := exec.Validate(config.Integration{Type: exec.Type, Settings: tc.settings})
			var got []string
			for _, p := range problems {
				got = append(got, p.String())
			}
			if len(got) != len(tc.want) {
				t.Fatalf("problems %q, want %d matching %q", got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %q does not contain %q", got[i], w)
				}
			}
		})
	}
}

func TestParamsAreWhatTheTemplatesName(t *testing.T) {
	in := integration([]any{"helm", "rollback", "{{.Params.release}}", "{{.Params.revision}}"},
		map[string]any{"env": map[string]any{"NS": "{{.Params.namespace}}"}})
	p := exec.Params(in)
	if fmt.Sprint(p.Names()) != "[release revision namespace]" || p.Open {
		t.Errorf("params %v (open %v)", p.Names(), p.Open)
	}
	problems := p.Check(map[string]string{"release": "shop", "revison": "41"})
	var got []string
	for _, pp := range problems {
		got = append(got, pp.String())
	}
	if fmt.Sprint(got) != "[revison: unknown param (accepted: release, revision, namespace) revision: required: used in the command namespace: required: used in the command]" {
		t.Errorf("check: %q", got)
	}
}
