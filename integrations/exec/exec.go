package exec

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	osexec "os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
	"github.com/tourniquet/tourniquet/integrations/kit/tmpl"
)

// Type is the integration type in the configuration.
const Type = "exec"

// DefaultTimeout bounds a command when the configuration sets none.
const DefaultTimeout = time.Minute

// killDelay is how long a command has between SIGTERM and SIGKILL.
const killDelay = 5 * time.Second

// passedEnv are the variables of the bot's environment a command sees.
var passedEnv = []string{"PATH", "HOME", "USER", "LANG", "LC_ALL", "TZ", "TMPDIR"}

var parser = spec.Parser[Config]{
	Type:      Type,
	Settings:  []string{"command", "timeout", "dir", "env", "output_limit"},
	AnySecret: true, // each one is passed to the command
	Parse:     parse,
}

// Config is the integration's configuration, parsed.
type Config struct {
	// Program is the command's first word, run as is (looked up in PATH
	// when it has no slash).
	Program string
	// Args are templates of the other arguments.
	Args []*tmpl.Template
	// Env are templates of extra environment variables.
	Env map[string]*tmpl.Template
	// Secrets are passed as environment variables named after their key in
	// upper case, and scrubbed from the output.
	Secrets map[string]config.Secret
	Dir     string
	Timeout time.Duration
	// OutputLimit is how many bytes of output are kept.
	OutputLimit int
}

// Descriptor describes the integration type to wiring (cmd/internal/app): the
// checks of its settings, the action params it accepts, and its client.
var Descriptor = spec.Descriptor{Type: Type, Validate: Validate, Params: Params, New: build}

// Validate checks the integration's settings for check-config.
func Validate(in config.Integration) []config.Problem { return parser.Validate(in) }

func parse(c *spec.Checker, in config.Integration) Config {
	cfg := Config{Secrets: maps.Clone(in.Secrets), Dir: strings.TrimSpace(in.Get("dir")),
		Timeout: c.Duration("timeout", DefaultTimeout), OutputLimit: DefaultOutputLimit, Env: map[string]*tmpl.Template{}}

	argv, ok := stringList(in.Settings["command"])
	switch {
	case in.Settings["command"] == nil:
		c.Add("command", "required: the command as a list, for example [helm, rollback, \"{{.Params.release}}\"]")
	case !ok:
		c.Add("command", "must be a list of strings (an argv list; it is not run through a shell)")
	case len(argv) == 0 || strings.TrimSpace(argv[0]) == "":
		c.Add("command", "must name a program first")
	case strings.Contains(argv[0], "{{"):
		c.Add("command", "the program (first word) cannot be a template; only its arguments can")
	default:
		cfg.Program = argv[0]
		for i, a := range argv[1:] {
			t, err := tmpl.Parse(fmt.Sprintf("command[%d]", i+1), a)
			if err == nil {
				err = t.Check()
			}
			if err != nil {
				c.Add("command", "%v", err)
				continue
			}
			cfg.Args = append(cfg.Args, t)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.StringMap("env"))) {
		v := c.StringMap("env")[k]
		if !validEnvName(k) {
			c.Add("env."+k, "not a valid environment variable name")
			continue
		}
		t, err := tmpl.Parse("env."+k, v)
		if err == nil {
			err = t.Check()
		}
		if err != nil {
			c.Add("env."+k, "%v", err)
			continue
		}
		cfg.Env[k] = t
	}
	if s := strings.TrimSpace(in.Get("output_limit")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 64 || n > 1<<20 {
			c.Add("output_limit", "must be a number of bytes from 64 to 1048576, not %q", s)
		} else {
			cfg.OutputLimit = n
		}
	}
	return cfg
}

func stringList(v any) ([]string, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		switch x := x.(type) {
		case string:
			out = append(out, x)
		case int, int64, float64, bool:
			out = append(out, fmt.Sprint(x))
		default:
			return nil, false
		}
	}
	return out, true
}

func validEnvName(k string) bool {
	if k == "" || (k[0] >= '0' && k[0] <= '9') {
		return false
	}
	for _, r := range k {
		if !(r == '_' || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9')) {
			return false
		}
	}
	return true
}

// envName is the variable a secret is passed in: its key in upper case.
func envName(key string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return '_'
	}, key))
}

// Params are the action params the integration accepts: exactly those its
// templates name, each required.
func Params(in config.Integration) spec.Params {
	cfg, _ := parser.Config(in)
	return cfg.params()
}

func (cfg Config) params() spec.Params {
	var p spec.Params
	seen := map[string]bool{}
	add := func(t *tmpl.Template) {
		for _, name := range t.Params() {
			if !seen[name] {
				seen[name] = true
				p.List = append(p.List, spec.Param{Name: name, Required: true, Doc: "used in the command"})
			}
		}
	}
	for _, t := range cfg.Args {
		add(t)
	}
	for _, k := range slices.Sorted(maps.Keys(cfg.Env)) {
		add(cfg.Env[k])
	}
	return p
}

// Client runs the configured command. It satisfies actiontype.Integration.
type Client struct {
	name  string
	cfg   Config
	scrub *httpx.Scrubber
}

var _ actiontype.Integration = (*Client)(nil)

// New returns the client of the integration named name.
func New(name string, in config.Integration) (*Client, error) {
	cfg, err := parser.Config(in)
	if err != nil {
		return nil, err
	}
	return NewClient(name, cfg), nil
}

// build is New as [spec.Descriptor] wants it: no client is a nil
// Integration.
func build(name string, in config.Integration) (actiontype.Integration, error) {
	c, err := New(name, in)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// NewClient returns a client for cfg.
func NewClient(name string, cfg Config) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.OutputLimit <= 0 {
		cfg.OutputLimit = DefaultOutputLimit
	}
	var secrets []string
	for _, s := range cfg.Secrets {
		secrets = append(secrets, s.Reveal())
	}
	return &Client{name: name, cfg: cfg, scrub: httpx.NewScrubber(secrets...)}
}

// Name returns the integration's name.
func (c *Client) Name() string { return c.name }

func (c *Client) system() string { return "exec " + c.name }

func (c *Client) fail(mayHaveRun bool, format string, args ...any) *actiontype.Error {
	return &actiontype.Error{System: c.system(), MayHaveRun: mayHaveRun, Retryable: mayHaveRun,
		Msg: c.scrub.Scrub(fmt.Sprintf(format, args...))}
}

// Run runs the command once and waits for it, at most the configured
// timeout (or ctx's deadline, if sooner).
func (c *Client) Run(ctx context.Context, req actiontype.Request) (actiontype.Result, error) {
	if p := c.cfg.params().Missing(req.Params); len(p) > 0 {
		return actiontype.Result{}, c.fail(false, "action param %s", p[0])
	}
	vars := tmpl.FromRequest(req)
	args := make([]string, len(c.cfg.Args))
	for i, t := range c.cfg.Args {
		s, err := t.Render(vars)
		if err != nil {
			return actiontype.Result{}, c.fail(false, "%v", err)
		}
		args[i] = s
	}
	env, err := c.env(vars, req)
	if err != nil {
		return actiontype.Result{}, err
	}
	secretParams := c.secretParams(req.Params)

	limit := c.cfg.Timeout
	if dl, ok := ctx.Deadline(); ok {
		limit = max(min(limit, time.Until(dl)), 0)
	}
	runCtx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := osexec.CommandContext(runCtx, c.cfg.Program, args...)
	cmd.Env, cmd.Dir = env, c.cfg.Dir
	out := newCapture(c.cfg.OutputLimit)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = killDelay
	setProcessGroup(cmd)

	err = cmd.Run()
	killGroup(cmd)
	output := secretParams.Scrub(c.scrub.Scrub(out.String()))
	line := c.commandLine(args, secretParams)

	var exitErr *osexec.ExitError
	switch {
	case err != nil && runCtx.Err() != nil:
		why := "after " + formatDur(limit) + " without finishing"
		if !errors.Is(runCtx.Err(), context.DeadlineExceeded) {
			why = "before it finished (cancelled)"
		}
		e := c.fail(true, "%s was stopped %s; it may have done part of its work", line, why)
		return actiontype.Result{Output: output}, withOutput(e, output)
	case errors.As(err, &exitErr) && exitErr.Exited():
		e := c.fail(false, "%s exited with status %d", line, exitErr.ExitCode())
		return actiontype.Result{Output: output}, withOutput(e, output)
	case errors.As(err, &exitErr):
		e := c.fail(true, "%s was killed (%s); it may have done part of its work", line, exitErr.String())
		return actiontype.Result{Output: output}, withOutput(e, output)
	case err != nil:
		return actiontype.Result{Output: output}, c.fail(false, "cannot run %s: %s", c.cfg.Program, cleanStartErr(err))
	}
	summary := line + " finished (exit 0)"
	if l := lastLine(output); l != "" {
		summary += ": " + l
	}
	return actiontype.Result{Summary: summary, Output: output}, nil
}

// withOutput adds the last line of output to a failure's message.
func withOutput(e *actiontype.Error, output string) *actiontype.Error {
	if l := lastLine(output); l != "" {
		e.Msg += ": " + l
	}
	return e
}

func cleanStartErr(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	var ee *osexec.Error
	if errors.As(err, &ee) {
		return ee.Err.Error()
	}
	return err.Error()
}

func formatDur(d time.Duration) string {
	if d < time.Second {
		return d.String()
	}
	return d.Round(time.Second).String()
}

// commandLine is the command as shown in messages: "`helm rollback shop
// 41`", secrets scrubbed.
func (c *Client) commandLine(args []string, params *httpx.Scrubber) string {
	line := c.cfg.Program
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n\"'") {
			a = strconv.Quote(a)
		}
		line += " " + a
	}
	if r := []rune(line); len(r) > 200 {
		line = string(r[:200]) + "…"
	}
	return "`" + params.Scrub(c.scrub.Scrub(line)) + "`"
}

// secretParams scrubs the values of secret-looking params too.
func (c *Client) secretParams(params map[string]string) *httpx.Scrubber {
	var vals []string
	for k, v := range params {
		if config.IsSecretKey(k) {
			vals = append(vals, v)
		}
	}
	return httpx.NewScrubber(vals...)
}

// env is the command's environment.
func (c *Client) env(vars tmpl.Vars, req actiontype.Request) ([]string, error) {
	m := map[string]string{}
	for _, k := range passedEnv {
		if v, ok := os.LookupEnv(k); ok {
			m[k] = v
		}
	}
	for k, t := range c.cfg.Env {
		v, err := t.Render(vars)
		if err != nil {
			return nil, c.fail(false, "%v", err)
		}
		m[k] = v
	}
	for k, s := range c.cfg.Secrets {
		m[envName(k)] = s.Reveal()
	}
	m["TOURNIQUET_INCIDENT"] = req.IncidentKey
	m["TOURNIQUET_ACTION"] = req.ActionID
	m["TOURNIQUET_RUN_ID"] = req.RunID
	m["TOURNIQUET_ACTOR"] = vars.Actor.Ref
	m["TOURNIQUET_UNDO"] = strconv.FormatBool(req.Undo)
	out := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, k+"="+m[k])
	}
	return out, nil
}
