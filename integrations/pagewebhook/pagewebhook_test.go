package pagewebhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
	"github.com/tourniquet/tourniquet/integrations/pagewebhook"
)

const secret = "hook-secret-0123456789"

func TestSignedEvent(t *testing.T) {
	var got []pagewebhook.Event
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		if r.Method != "POST" || r.URL.Path != "/page" || r.Header.Get(pagewebhook.SignatureHeader) != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
			t.Errorf("%s %s signature %q", r.Method, r.URL.Path, r.Header.Get(pagewebhook.SignatureHeader))
		}
		var ev pagewebhook.Event
		_ = json.Unmarshal(body, &ev)
		got = append(got, ev)
		w.WriteHeader(204)
	}))
	defer srv.Close()
	c, err := pagewebhook.New(config.PagingTarget{Type: "webhook", URL: srv.URL + "/page", Secret: config.NewSecret(secret)})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Page(t.Context(), actiontype.PageRequest{Action: actiontype.PageTrigger, Key: "INC-7", Summary: "s", Severity: incident.Sev1}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Action != "trigger" || got[0].Incident != "INC-7" || got[0].Severity != "sev1" {
		t.Errorf("got %+v", got)
	}
}

func TestFailuresAreClassified(t *testing.T) {
	for _, tc := range httpxtest.StatusCases() {
		t.Run(tc.Name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tc.WriteHeaders(w)
				w.WriteHeader(tc.Status)
			}))
			defer srv.Close()
			c, _ := pagewebhook.New(config.PagingTarget{Type: "webhook", URL: srv.URL, Secret: config.NewSecret(secret)})
			err := c.Page(t.Context(), actiontype.PageRequest{Action: actiontype.PageTrigger, Key: "INC-7"})
			httpxtest.AssertFailure(t, err, pagewebhook.System, tc.Status, tc.Retryable, []string{secret}, tc.Want...)
		})
	}
}
