// Package realserver runs a real server binary from a Debian package
// (prometheus, prometheus-alertmanager) for a test: on a free loopback
// port, with its configuration in a temporary directory, stopped when the
// test ends and its logs shown when the test failed. The package's own
// daemon may hold the default port, so the test's instance never uses it.
//
// Only tests import it.
package realserver

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Server says how to run one binary.
type Server struct {
	// Binary is the program's name on PATH; Package the Debian package
	// that installs it (for the skip message).
	Binary, Package string
	// Files are written into the server's directory before it starts.
	Files map[string]string
	// Args are its arguments, given that directory and the address it is
	// to listen on.
	Args func(dir, addr string) []string
}

// Start runs s and waits until GET /-/ready answers 200. It returns the
// server's base URL and its logs so far (safe to read while it runs).
// Without the binary the test is skipped, or fails when CI=true: CI
// installs it through .ci/extra-packages.
func Start(t testing.TB, s Server) (base string, logs *Logs) {
	t.Helper()
	bin, err := exec.LookPath(s.Binary)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed; CI installs it through .ci/extra-packages", s.Binary)
		}
		t.Skipf("%s is not installed (Debian: apt-get install %s)", s.Binary, s.Package)
	}
	addr, dir := FreeAddr(t), t.TempDir()
	for name, body := range s.Files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, s.Args(dir, addr)...)
	logs = &Logs{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s logs:\n%s", s.Binary, logs.String())
		}
	})
	base = "http://" + addr
	WaitFor(t, 20*time.Second, s.Binary+" ready", func() bool {
		resp, err := http.Get(base + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return base, logs
}

// FreeAddr is a loopback address nobody listens on right now.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// WaitFor polls cond until it holds, or fails the test after within.
func WaitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %s", what, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Logs collects a server's output; it may be read while the server writes.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String is everything written so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
