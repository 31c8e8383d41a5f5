package config

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"
)

// files is a fake file system for Load's readFile.
type files map[string]string

func (f files) read(path string) ([]byte, error) {
	s, ok := f[path]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	}
	return []byte(s), nil
}

// env is a fake environment for Load's getenv.
type env map[string]string

func (e env) get(name string) string { return e[name] }

const cfgPath = "/etc/tourniquet.yaml"

// load loads yaml (written to cfgPath) with the given environment and extra
// files.
func load(t *testing.T, yaml string, e env, fsys files, v ...IntegrationValidator) (*Config, error) {
	t.Helper()
	if fsys == nil {
		fsys = files{}
	}
	all := files{cfgPath: yaml}
	for k, s := range fsys {
		all[k] = s
	}
	return Load(cfgPath, e.get, all.read, v...)
}

func mustLoad(t *testing.T, yaml string, e env, fsys files) *Config {
	t.Helper()
	c, err := load(t, yaml, e, fsys)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func problems(t *testing.T, err error) []Problem {
	t.Helper()
	if err == nil {
		t.Fatal("Load succeeded, want problems")
	}
	var ce *Errors
	if !errors.As(err, &ce) {
		t.Fatalf("error %T %v, want *Errors", err, err)
	}
	return ce.Problems
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }

func recordAt(msg string) slog.Record { return slog.NewRecord(time.Now(), slog.LevelWarn, msg, 0) }

// lineOf returns the 1-based line of the first line containing s.
func lineOf(text, s string) int {
	for i, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	return 0
}
