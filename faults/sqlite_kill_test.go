package faults

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/cmd/tourniquet-load/loadgen"
)

// One `tourniquet serve` on SQLite, SIGKILLed under load, then started
// again on the same file: every command it acknowledged before the kill
// reaches Slack. SQLite acknowledges a command once its (group) COMMIT
// has returned with synchronous=FULL, so nothing acknowledged is lost.
func TestSQLiteKillUnderLoad(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.dbURL = "sqlite:" + filepath.Join(r.dir, "tourniquet.db")
	srv := r.start("server")

	d, err := loadgen.New(loadgen.Options{
		Targets: []string{srv.URL}, SigningSecret: r.signing, Fake: r.fake,
		Rate: 100, Duration: 8 * time.Second, Concurrency: 32, Incidents: 50, ClickEvery: 5,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	setup, cancel := context.WithTimeout(ctx, time.Minute)
	if err := d.Setup(setup); err != nil {
		cancel()
		t.Fatal(err)
	}
	cancel()
	go func() {
		time.Sleep(4 * time.Second)
		srv.Kill()
	}()
	if err := d.Run(ctx); err != nil {
		t.Fatal(err)
	}
	rep := d.Summarize()
	t.Logf("load until the kill and after: %s", rep)
	if rep.OK == 0 || rep.OK == rep.Sent {
		t.Fatalf("%d of %d acknowledged: the kill did not land mid-load", rep.OK, rep.Sent)
	}

	// The same file, a new process: it delivers what the first one
	// acknowledged and had not yet sent.
	r.start("server")
	if missing := d.Wait(ctx, 90*time.Second); missing > 0 {
		t.Errorf("%d acknowledged commands never reached Slack", missing)
	}
}
