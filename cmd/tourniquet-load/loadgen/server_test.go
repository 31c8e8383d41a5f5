package loadgen

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"
)

// fakeServerEnv makes this test binary act as a server for StartServer:
// it listens on $TOURNIQUET_LISTEN and answers /readyz 503 for its first
// 100 ms, then 200.
const fakeServerEnv = "TQ_LOADGEN_FAKE_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(fakeServerEnv) == "1" {
		start := time.Now()
		http.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
			if time.Since(start) < 100*time.Millisecond {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		})
		_ = http.ListenAndServe(os.Getenv("TOURNIQUET_LISTEN"), nil)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// StartServer times the start from the exec to the first 200 of /readyz:
// never less than the 100 ms the fake server takes to be ready.
func TestStartServerTimesReadiness(t *testing.T) {
	srv, err := StartServer(context.Background(), ServerOptions{Binary: os.Args[0], Args: []string{"-test.run=^$"},
		Env: []string{fakeServerEnv + "=1"}, ReadyPoll: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Kill()
	if got := srv.ReadyAfter(); got < 100*time.Millisecond {
		t.Errorf("ready after %s; the server answered 200 only after 100ms", got)
	}
	rss, err := RSS(srv.Pid())
	if err != nil || rss < 1<<20 {
		t.Errorf("RSS of the server: %d %v", rss, err)
	}
	if _, err := RSS(1 << 30); err == nil {
		t.Error("no error for a process that does not exist")
	}
}
