package loadgen

import (
	"context"
	"net"
	"testing"
	"time"
)

// The Go app plays the comparison exactly as the Bolt app does: declares
// open a channel with a card in it, every command and click reaches the
// fake once, and a request signed with another secret gets a bare 401.
func TestGoAppAnswersLikeTheBoltApp(t *testing.T) {
	f := newTestFake(t)
	const secret = "go-app-signing-secret"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	app := GoApp{Token: "xoxb-test", SigningSecret: secret, APIURL: f.APIURL()}
	go func() { done <- app.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()

	d, err := New(Options{Targets: []string{base}, SigningSecret: secret, Fake: f, Rate: 40, Duration: time.Second,
		Concurrency: 8, Incidents: 3, ClickEvery: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.Run(ctx); err != nil {
		t.Fatal(err)
	}
	// The fake answers invalid_auth to a token in the body: every message
	// arriving shows the app posts through Tourniquet's transport.
	if missing := d.Wait(ctx, 30*time.Second); missing != 0 {
		t.Fatalf("%d requests without their message", missing)
	}
	if rep := d.Summarize(); rep.Sent != 40 || rep.OK != 40 || rep.Duplicates != 0 || rep.Delivery.N != 40 {
		t.Fatalf("report: %+v", rep)
	}
	bad := Signer{Secret: "not-it"}
	status, body, err := bad.Command(ctx, base, SlashCommand{Channel: "C1", User: "U1", Text: "note x", TriggerID: "x"})
	if err != nil || status != 401 || len(body) != 0 {
		t.Fatalf("wrongly signed: %d %q %v", status, body, err)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}
