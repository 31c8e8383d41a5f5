package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// ServerOptions start a `tourniquet serve` process.
type ServerOptions struct {
	// Binary is the tourniquet executable (or another server's, with Args).
	Binary string
	// Args are the arguments (default: "serve").
	Args []string
	// Env is added to the process's environment (KEY=value); the
	// listen address is set unless Env sets TOURNIQUET_LISTEN.
	Env []string
	// Listen is the address to serve on (default a free loopback port).
	Listen string
	// Log receives the server's stderr (its logs) and stdout.
	Log io.Writer
	// ReadyTimeout bounds the wait for /readyz (default 30s).
	ReadyTimeout time.Duration
	// ReadyPoll is how often /readyz is asked until it answers 200
	// (default 50ms). The start-up measurement polls every few
	// milliseconds, so that the poll does not round its figure up.
	ReadyPoll time.Duration
}

// Server is a running `tourniquet serve`.
type Server struct {
	// URL is its base URL (http://127.0.0.1:port).
	URL  string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	poll time.Duration
	// started is just before the exec; readyAfter is from then until the
	// first 200 from /readyz.
	started    time.Time
	readyAfter time.Duration
}

// FreeAddr returns a loopback address with a port free right now.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// StartServer starts `tourniquet serve` and waits until /readyz answers 200.
func StartServer(ctx context.Context, o ServerOptions) (*Server, error) {
	if o.Listen == "" {
		addr, err := FreeAddr()
		if err != nil {
			return nil, fmt.Errorf("start server: %w", err)
		}
		o.Listen = addr
	}
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = 30 * time.Second
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Args == nil {
		o.Args = []string{"serve"}
	}
	if o.ReadyPoll <= 0 {
		o.ReadyPoll = 50 * time.Millisecond
	}
	cmd := exec.Command(o.Binary, o.Args...)
	cmd.Env = append(append(os.Environ(), "TOURNIQUET_LISTEN="+o.Listen), o.Env...)
	cmd.Stdin = nil // /dev/null: no terminal session
	cmd.Stdout, cmd.Stderr = o.Log, o.Log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	s := &Server{URL: "http://" + o.Listen, cmd: cmd, done: make(chan struct{}), poll: o.ReadyPoll, started: started}
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	if err := s.WaitReady(ctx, o.ReadyTimeout); err != nil {
		s.Kill()
		return nil, err
	}
	return s, nil
}

// Pid is the server's process ID.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// ReadyAfter is how long the server took from its exec to the first 200
// from /readyz (StartServer waits for it).
func (s *Server) ReadyAfter() time.Duration { return s.readyAfter }

// Exited is closed when the process has exited.
func (s *Server) Exited() <-chan struct{} { return s.done }

// Ready reports whether /readyz answers 200 now.
func (s *Server) Ready(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/readyz", nil)
	if err != nil {
		return 0, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return res.StatusCode, nil
}

// WaitReady waits until /readyz answers 200.
func (s *Server) WaitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-s.done:
			return fmt.Errorf("server exited before it was ready: %v", s.err)
		default:
		}
		status, err := s.Ready(ctx)
		if err == nil && status == http.StatusOK {
			s.readyAfter = time.Since(s.started)
			return nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("/readyz answered %d", status)
			}
			return fmt.Errorf("server not ready after %s: %w", timeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(s.poll):
		}
	}
}

// Kill sends SIGKILL and waits for the process to be gone.
func (s *Server) Kill() {
	s.signal(syscall.SIGKILL)
	<-s.done
}

// Stop sends SIGTERM and waits up to timeout for a clean exit, then
// kills. It returns the exit error, if any.
func (s *Server) Stop(timeout time.Duration) error {
	s.signal(syscall.SIGTERM)
	select {
	case <-s.done:
		var ee *exec.ExitError
		if errors.As(s.err, &ee) {
			return fmt.Errorf("server exited: %w", s.err)
		}
		return s.err
	case <-time.After(timeout):
		s.Kill()
		return fmt.Errorf("server did not stop within %s; killed", timeout)
	}
}

func (s *Server) signal(sig syscall.Signal) {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(sig)
}
