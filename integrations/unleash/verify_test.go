package unleash_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tourniquet/tourniquet/actiontype"
)

// laggingUnleash answers feature reads as Unleash's Admin API does, with
// the state from before the kill switch once.
type laggingUnleash struct {
	mu    sync.Mutex
	reads int
}

func (f *laggingUnleash) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != token {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"id":"x","name":"AuthenticationRequired","message":"You must log in to use Unleash."}`)
		return
	}
	if r.Method != http.MethodGet || r.URL.Path != prefix+"/api/admin/projects/default/features/new-checkout" {
		w.WriteHeader(404)
		fmt.Fprint(w, `{"id":"y","name":"NotFoundError","message":"Could not find feature"}`)
		return
	}
	f.reads++
	fmt.Fprintf(w, `{"name":"new-checkout","project":"default","environments":[{"name":"development","enabled":true},{"name":"production","enabled":%v}]}`, f.reads == 1)
}

func TestVerifySeesTheFeatureOffAfterAStaleAnswer(t *testing.T) {
	srv := httptest.NewServer(&laggingUnleash{})
	defer srv.Close()
	c := client(t, srv, nil)
	first, err := c.Verify(context.Background(), request(false), actiontype.Result{})
	if err != nil || first.Effective || first.Seen != "Unleash feature new-checkout is on in production" {
		t.Fatalf("first = %+v, %v", first, err)
	}
	second, err := c.Verify(context.Background(), request(false), actiontype.Result{})
	if err != nil || !second.Effective || !strings.Contains(second.Seen, "off in production") {
		t.Fatalf("second = %+v, %v", second, err)
	}
}
