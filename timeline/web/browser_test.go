package web

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/tourniquet/tourniquet/storage/storagetest"
	"github.com/tourniquet/tourniquet/timeline"
)

// chromiumPath finds Debian's chromium. Without one the browser tests are
// skipped, except in CI (CI=true), where they fail.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium binary on PATH and CI=true: install it (apt-get install -y chromium; .ci/run does)")
	}
	t.Skip("no chromium binary on PATH: install Debian's chromium (apt-get install -y chromium) to run the browser tests")
	return ""
}

// chrome is the one headless Chromium of the package's run: every test
// gets a tab of its own in a fresh browser context (its own cookies).
var chrome struct {
	mu      sync.Mutex
	browser context.Context
	stop    func()
}

func TestMain(m *testing.M) {
	code := m.Run()
	chrome.mu.Lock()
	if chrome.stop != nil {
		chrome.stop()
	}
	chrome.mu.Unlock()
	os.Exit(code)
}

// newBrowser returns a tab of the package's headless Chromium (started on
// first use, with a fresh profile) in a browser context of its own.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	chrome.mu.Lock()
	if chrome.browser == nil {
		dir, err := os.MkdirTemp("", "tourniquet-chromium-")
		if err != nil {
			chrome.mu.Unlock()
			t.Fatal(err)
		}
		actx, cancelA := chromedp.NewExecAllocator(context.Background(),
			chromedp.ExecPath(path),
			chromedp.Flag("headless", true),
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.Flag("disable-quic", true),
			chromedp.NoFirstRun,
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.UserDataDir(dir),
			chromedp.WindowSize(1360, 900),
		)
		bctx, cancelB := chromedp.NewContext(actx)
		if err := chromedp.Do(bctx); err != nil {
			cancelB()
			cancelA()
			chrome.mu.Unlock()
			t.Fatalf("start chromium: %v", err)
		}
		chrome.browser = bctx
		chrome.stop = func() { cancelB(); cancelA(); _ = os.RemoveAll(dir) }
	}
	browser := chrome.browser
	chrome.mu.Unlock()
	ctx, cancelT := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	ctx, cancelC := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelC(); cancelT() })
	return ctx
}

func navigate(t *testing.T, ctx context.Context, u string) int64 {
	t.Helper()
	res, err := chromedp.Run(ctx, chromedp.NavigateResponse(u))
	if err != nil {
		t.Fatalf("navigate %s: %v", u, err)
	}
	return res.Status
}

func evalInt(t *testing.T, ctx context.Context, js string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return n
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// screenshot writes a full-page PNG to the test's artifact directory.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(t.ArtifactDir(), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

func TestPagesInChromium(t *testing.T) {
	ctx := newBrowser(t)
	f := newWebFixture(t, storagetest.NewSQLite(t), secured())

	t.Run("incident page", func(t *testing.T) {
		for _, name := range []string{"microscope", "textbook", "ongoing"} {
			key := f.keys[name]
			x, err := Load(context.Background(), f.store, key, f.clock.Now(), 0)
			if err != nil {
				t.Fatal(err)
			}
			if st := navigate(t, ctx, f.links.IncidentURL(key, f.clock.Now())); st != 200 {
				t.Fatalf("%s: status %d", name, st)
			}
			if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("svg.timeline-chart"))); err != nil {
				t.Fatal(err)
			}
			if n := evalInt(t, ctx, `document.querySelectorAll("svg.timeline-chart rect.impact").length`); n != len(x.ImpactWindows) {
				t.Errorf("%s: %d red intervals, want one per impact window (%d)", name, n, len(x.ImpactWindows))
			}
			// Red is red: the intervals are drawn, visible and wide enough to see.
			red := evalInt(t, ctx, `[...document.querySelectorAll("svg.timeline-chart rect.impact")].filter(r =>
				getComputedStyle(r).fill === "rgb(207, 34, 46)" && r.getBoundingClientRect().width >= 1).length`)
			if red != len(x.ImpactWindows) {
				t.Errorf("%s: %d visible red intervals, want %d", name, red, len(x.ImpactWindows))
			}
			if got, want := text(t, ctx, "#clock-mitigate .value"), timeline.FormatClock(x.Metrics.TimeToMitigate); x.MitigatedAt != nil && got != want {
				t.Errorf("%s: time to mitigate shows %q, want %q", name, got, want)
			}
			if got, want := text(t, ctx, "#clock-impact .value"), timeline.FormatSeconds(x.Metrics.CustomerImpact); got != want {
				t.Errorf("%s: customer impact shows %q, want %q", name, got, want)
			}
			if x.DiagnosedAt != nil && evalInt(t, ctx, `document.querySelectorAll("svg.timeline-chart .marker-diagnosis").length`) != 1 {
				t.Errorf("%s: no diagnosis marker", name)
			}
			if x.ResolvedAt != nil && evalInt(t, ctx, `document.querySelectorAll("svg.timeline-chart .marker-resolution").length`) != 1 {
				t.Errorf("%s: no resolution marker", name)
			}
			// A signed-link reader sees no navigation to other incidents.
			if n := evalInt(t, ctx, `document.querySelectorAll("header nav").length`); n != 0 {
				t.Errorf("%s: navigation shown to a signed-link reader", name)
			}
			screenshot(t, ctx, "incident-"+name+".png")
		}
	})

	t.Run("printable", func(t *testing.T) {
		key := f.keys["microscope"]
		navigate(t, ctx, f.links.IncidentURL(key, f.clock.Now()))
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
			t.Fatal(err)
		}
		if n := evalInt(t, ctx, `document.querySelectorAll(".toolbar").length && getComputedStyle(document.querySelector(".toolbar")).display === "none" ? 1 : 0`); n != 1 {
			t.Error("the toolbar is printed")
		}
		pdf, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
			res, err := cdp.Call(ctx, tg, cdppage.PrintToPDF, cdppage.PrintToPDFParams{PrintBackground: new(true)})
			return res.Data, err
		})
		if err != nil || len(pdf) < 1000 {
			t.Fatalf("print to PDF: %d bytes, %v", len(pdf), err)
		}
		screenshot(t, ctx, "incident-microscope-print.png")
		path := filepath.Join(t.ArtifactDir(), "incident-microscope.pdf")
		if err := os.WriteFile(path, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("printed: %s", path)
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("tampered link", func(t *testing.T) {
		u, _ := url.Parse(f.links.IncidentURL(f.keys["textbook"], f.clock.Now()))
		q := u.Query()
		q.Set("sig", "A"+q.Get("sig")[1:])
		u.RawQuery = q.Encode()
		if st := navigate(t, ctx, u.String()); st != 403 {
			t.Errorf("tampered link: status %d, want 403", st)
		}
		if strings.Contains(text(t, ctx, "body"), "Checkout errors") {
			t.Error("a tampered link shows the incident")
		}
	})

	// The list and the reports with the API token, as a script or a proxy
	// that adds it would.
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders,
		network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": "Bearer " + testToken}}); err != nil {
		t.Fatal(err)
	}

	t.Run("list page", func(t *testing.T) {
		if st := navigate(t, ctx, f.srv.URL+"/incidents"); st != 200 {
			t.Fatalf("status %d", st)
		}
		if n := evalInt(t, ctx, `document.querySelectorAll("table.list tbody td.key a").length`); n != 34 {
			t.Errorf("%d incident rows, want 34", n)
		}
		if got := text(t, ctx, "table.list tbody tr:nth-child(2) td.impact-v"); got == "" {
			t.Error("no customer impact in the list")
		}
		screenshot(t, ctx, "incidents.png")
		// The filters work without JavaScript: a GET form.
		if st := navigate(t, ctx, f.srv.URL+"/incidents?severity=sev1&state=resolved"); st != 200 {
			t.Fatalf("filtered: %d", st)
		}
		if n := evalInt(t, ctx, `[...document.querySelectorAll("table.list .sev")].filter(e => e.textContent.trim() !== "SEV1").length`); n != 0 {
			t.Errorf("%d rows of another severity after filtering on sev1", n)
		}
	})

	t.Run("reports page", func(t *testing.T) {
		if st := navigate(t, ctx, f.srv.URL+"/reports"); st != 200 {
			t.Fatalf("status %d", st)
		}
		if got := text(t, ctx, "#total-incidents"); got != "34" {
			t.Errorf("total incidents %q, want 34", got)
		}
		for _, id := range []string{"chart-month-clocks", "chart-month-impact", "chart-sev-clocks", "chart-sev-impact"} {
			if n := evalInt(t, ctx, `document.querySelectorAll("#`+id+` rect.bar").length`); n == 0 {
				t.Errorf("#%s has no bars", id)
			}
		}
		if n := evalInt(t, ctx, `document.querySelectorAll("#table-month tbody tr").length`); n != 12 {
			t.Errorf("%d months in the table, want 12", n)
		}
		screenshot(t, ctx, "reports.png")
	})
}
