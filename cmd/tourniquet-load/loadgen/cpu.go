package loadgen

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat: Linux
// exports USER_HZ as 100 on every architecture Go runs on.
const clockTick = 10 * time.Millisecond

// ProcessCPU returns the user plus system CPU time process pid has used,
// from /proc/<pid>/stat.
func ProcessCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("cpu of %d: %w", pid, err)
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// the fields are counted from the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("cpu of %d: unexpected stat %q", pid, s)
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("cpu of %d: short stat", pid)
	}
	var ticks int64
	for _, k := range []int{11, 12} { // fields 14 (utime) and 15 (stime)
		n, err := strconv.ParseInt(f[k], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("cpu of %d: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}

// CPUMeter adds up the CPU time of a set of processes between two
// moments: the server, and the database backends serving it, which
// Sample finds anew each time (a backend may connect mid-run).
type CPUMeter struct {
	// Pids lists the processes to count now.
	Pids  func(ctx context.Context) []int
	start map[int]time.Duration
	last  map[int]time.Duration
}

// Start records where each process stands.
func (m *CPUMeter) Start(ctx context.Context) {
	m.start = m.sample(ctx)
	m.last = nil
}

// Sample records the processes' CPU time now (a process that has
// exited by Used keeps its last sample).
func (m *CPUMeter) Sample(ctx context.Context) {
	if m.last == nil {
		m.last = map[int]time.Duration{}
	}
	for pid, d := range m.sample(ctx) {
		m.last[pid] = d
	}
}

// Used is the CPU time spent since Start by every process seen, as of
// the last Sample.
func (m *CPUMeter) Used() time.Duration {
	var total time.Duration
	for pid, d := range m.last {
		total += d - m.start[pid] // a process born after Start started at 0
	}
	return total
}

func (m *CPUMeter) sample(ctx context.Context) map[int]time.Duration {
	out := map[int]time.Duration{}
	for _, pid := range m.Pids(ctx) {
		if d, err := ProcessCPU(pid); err == nil {
			out[pid] = d
		}
	}
	return out
}

// Profile kinds CaptureProfile fetches: net/http/pprof's endpoint names.
const (
	ProfileCPU    = "profile" // CPU time
	ProfileAllocs = "allocs"  // allocations made during the window
)

// CaptureProfile asks a server's net/http/pprof (base is
// http://host:port) for a profile of kind (ProfileCPU, ProfileAllocs)
// over the next d and writes it to path. An allocations profile with
// seconds is a delta: what the window allocated, not the process's life.
func CaptureProfile(ctx context.Context, base, kind string, d time.Duration, path string) error {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		base+"/debug/pprof/"+kind+"?seconds="+strconv.Itoa(secs), nil)
	if err != nil {
		return fmt.Errorf("%s profile: %w", kind, err)
	}
	res, err := (&http.Client{Timeout: d + 30*time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("%s profile: %w", kind, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s profile: %s answered %d", kind, base, res.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("%s profile: %w", kind, err)
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		_ = f.Close()
		return fmt.Errorf("%s profile: %w", kind, err)
	}
	return f.Close()
}

// LoadAvg is the machine's 1-minute load average (0 when unknown).
func LoadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
