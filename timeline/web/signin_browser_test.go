package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// EnvScreenshots names a directory where the browser tests also write
// the screenshots the documentation shows (docs/screenshots).
const EnvScreenshots = "TOURNIQUET_SCREENSHOTS"

// docScreenshot is screenshot, and a copy of the visible viewport in
// $TOURNIQUET_SCREENSHOTS when it is set.
func docScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	screenshot(t, ctx, name)
	dir := os.Getenv(EnvScreenshots)
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// click clicks sel and waits for wait to be visible on the page it leads
// to.
func click(t *testing.T, ctx context.Context, sel, wait string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel)), chromedp.WaitVisible(chromedp.CSS(wait))); err != nil {
		t.Fatalf("click %s, wait for %s: %v (at %s)", sel, wait, err, location(t, ctx))
	}
}

// Issue #19, driven as a manager would in Chromium: open the list, get
// sent to sign in, sign in at the provider, browse the list, an incident
// and the reports, sign out; a wrong domain is refused; a tampered or
// expired cookie and a replayed callback open nothing.
func TestSigninInChromium(t *testing.T) {
	f := newSigninFixture(t, storagetest.NewSQLite(t), managers)
	ctx := newBrowser(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 860)); err != nil {
		t.Fatal(err)
	}

	// Signed out: the list sends the browser to the sign-in page.
	if st := navigate(t, ctx, f.srv.URL+"/incidents?state=resolved"); st != 200 {
		t.Fatalf("signed out: status %d", st)
	}
	if at := location(t, ctx); !strings.HasPrefix(at, f.srv.URL+SigninPath+"?next=") {
		t.Fatalf("signed out: at %s, want the sign-in page", at)
	}
	if got := text(t, ctx, "#signin"); !strings.HasPrefix(got, "Sign in with 127.0.0.1:") {
		t.Errorf("sign-in button says %q", got)
	}
	docScreenshot(t, ctx, "signin.png")

	// Sign in: to the provider and back to the page first asked for.
	f.idp.QueueUser(employee("maria.manager@example.com"))
	click(t, ctx, "#signin", "table.list")
	if at := location(t, ctx); at != f.srv.URL+"/incidents?state=resolved" {
		t.Errorf("after sign-in: at %s", at)
	}
	if got := text(t, ctx, "#signed-in-as"); got != "maria.manager@example.com" {
		t.Errorf("signed in as %q", got)
	}
	if n := evalInt(t, ctx, `document.querySelectorAll("table.list tbody tr").length`); n < 3 {
		t.Errorf("%d rows in the list", n)
	}
	if n := evalInt(t, ctx, `document.cookie.length`); n != 0 {
		t.Error("the session cookie is readable from JavaScript")
	}
	docScreenshot(t, ctx, "incidents.png")

	// An incident, from its row.
	key := f.keys["textbook"]
	click(t, ctx, `a[href="/incidents/`+key+`"]`, "svg.timeline-chart")
	if n := evalInt(t, ctx, `document.querySelectorAll("header nav").length`); n != 1 {
		t.Error("a signed-in manager gets no navigation")
	}
	if got := text(t, ctx, "#follow-ups-progress"); got != "1 of 2 follow-ups done" {
		t.Errorf("follow-ups progress %q", got)
	}
	docScreenshot(t, ctx, "incident.png")

	// The reports, from the navigation.
	click(t, ctx, `header nav a[href="/reports"]`, "#total-incidents")
	docScreenshot(t, ctx, "reports.png")

	// Sign out: the sign-in page, and the pages ask again.
	click(t, ctx, "#signout", "#signed-out")
	navigate(t, ctx, f.srv.URL+"/reports")
	if at := location(t, ctx); !strings.HasPrefix(at, f.srv.URL+SigninPath) {
		t.Errorf("reports after signing out: at %s", at)
	}

	t.Run("wrong domain", func(t *testing.T) {
		ctx := newBrowser(t)
		navigate(t, ctx, f.srv.URL+"/incidents")
		f.idp.QueueUser(employee("visitor@gmail.test"))
		click(t, ctx, "#signin", "#signin-problem")
		if got := text(t, ctx, "#signin-problem"); !strings.Contains(got, "visitor@gmail.test may not open") {
			t.Errorf("refusal says %q", got)
		}
		navigate(t, ctx, f.srv.URL+"/incidents")
		if at := location(t, ctx); !strings.HasPrefix(at, f.srv.URL+SigninPath) {
			t.Errorf("after the refusal /incidents is at %s", at)
		}
	})

	t.Run("tampered and expired cookie, replayed callback", func(t *testing.T) {
		ctx := newBrowser(t)
		navigate(t, ctx, f.srv.URL+"/reports")
		f.idp.QueueUser(employee("ana@example.com"))
		click(t, ctx, "#signin", "#total-incidents")
		callback := f.lastCallback()
		if callback == "" {
			t.Fatal("the callback was not seen")
		}
		// The provider's answer, visited again: refused.
		if st := navigate(t, ctx, callback); st != 400 {
			t.Errorf("replayed callback: status %d, want 400", st)
		}

		res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{f.srv.URL + "/"}})
		if err != nil {
			t.Fatal(err)
		}
		var good string
		for _, c := range res.Cookies {
			if c.Name == sessionCookie {
				good = c.Value
				if !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax {
					t.Errorf("session cookie: HttpOnly %v, SameSite %q", c.HTTPOnly, c.SameSite)
				}
			}
		}
		if good == "" {
			t.Fatal("no session cookie")
		}
		setCookie := func(v string) {
			t.Helper()
			if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: sessionCookie, Value: v,
				URL: f.srv.URL + "/", HTTPOnly: new(true), SameSite: network.CookieSameSiteLax}); err != nil {
				t.Fatal(err)
			}
		}
		b := []byte(good)
		b[len(b)/3] ^= 2
		setCookie(string(b))
		navigate(t, ctx, f.srv.URL+"/reports")
		if at := location(t, ctx); !strings.HasPrefix(at, f.srv.URL+SigninPath) {
			t.Errorf("tampered cookie: at %s", at)
		}
		setCookie(good)
		navigate(t, ctx, f.srv.URL+"/reports")
		if at := location(t, ctx); at != f.srv.URL+"/reports" {
			t.Fatalf("the good cookie put back: at %s", at)
		}
		f.clock.Advance(config.DefaultSessionTTL + time.Minute)
		navigate(t, ctx, f.srv.URL+"/reports")
		if at := location(t, ctx); !strings.HasPrefix(at, f.srv.URL+SigninPath) {
			t.Errorf("expired session: at %s", at)
		}
	})
}
