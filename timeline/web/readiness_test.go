package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage/storagetest"
	"github.com/tourniquet/tourniquet/timeline/timelinetest"
)

func TestReadinessPage(t *testing.T) {
	view := ReadinessView{
		Services: []ReadinessRow{{Service: "checkout", Score: 60, SafeMoves: "rollback,kill-switch", Missing: "route-away,config-revert",
			People: "2/2", Preflight: "1/2", LastRun: "never", LastDrill: "3d ago"}},
		Problems: []string{`kill-checkout: preflight of flags failed: <script>alert(1)</script>`},
	}
	site, err := New(Options{Store: storagetest.NewSQLite(t), Clock: clock.NewFake(timelinetest.HM(18, 0)), Access: secured(),
		Readiness: func(context.Context, time.Time) (ReadinessView, error) { return view, nil }})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	site.Register(mux)
	get := func(hdr ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/readiness", nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		return rec
	}
	if r := get(); r.Code != http.StatusUnauthorized || strings.Contains(r.Body.String(), "checkout") {
		t.Errorf("without a token: %d", r.Code)
	}
	r := get(bearerHdr(testToken)...)
	body := r.Body.String()
	if r.Code != 200 || !strings.Contains(body, `<td>checkout</td><td class="score warn">60</td>`) || !strings.Contains(body, "route-away,config-revert") {
		t.Fatalf("page: %d\n%s", r.Code, body)
	}
	if strings.Contains(body, "<script>alert(1)</script>") || !strings.Contains(body, "&lt;script&gt;") {
		t.Error("a problem's text was not escaped")
	}
	if !strings.Contains(body, `href="/readiness" aria-current="page"`) {
		t.Error("the nav does not show the page")
	}
}
