package loadgen

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// PeakRSS returns the peak resident set size (VmHWM) of process pid, in
// bytes, from /proc/<pid>/status. Read it before the process exits.
func PeakRSS(pid int) (int64, error) {
	n, err := statusBytes(pid, "VmHWM")
	if err != nil {
		return 0, fmt.Errorf("peak rss: %w", err)
	}
	return n, nil
}

// RSS returns the resident set size now (VmRSS) of process pid, in bytes.
func RSS(pid int) (int64, error) {
	n, err := statusBytes(pid, "VmRSS")
	if err != nil {
		return 0, fmt.Errorf("rss: %w", err)
	}
	return n, nil
}

// statusBytes reads a "Name:   123456 kB" line of /proc/<pid>/status.
func statusBytes(pid int, name string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), name+":")
		if !ok {
			continue
		}
		fields := strings.Fields(rest) // "123456 kB"
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("unexpected %s line %q", name, sc.Text())
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, err
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", name, pid)
}

// Leaks returns the names of the secrets whose value appears in logs.
// Values shorter than 6 bytes are ignored (they would match by chance).
func Leaks(logs []byte, secrets map[string]string) []string {
	var out []string
	for name, v := range secrets {
		if len(v) >= 6 && bytes.Contains(logs, []byte(v)) {
			out = append(out, name)
		}
	}
	return out
}
