package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/logctx"
)

// Logs in an interactive terminal session.
//
// The chat of a terminal session and its prompt are on the screen, and so
// is stderr: a log line written there lands in the middle of the line a
// person is typing. So when a person types into the terminal chat (stdin
// and stdout are terminals and the terminal adapter is attached), logs go
// to a file, tourniquet.log in the state directory, unless log.file
// (TOURNIQUET_LOG_FILE) names another; the path is printed once, before
// the session starts. Everywhere else logs go to stderr unless log.file
// says otherwise.

// stateDir is where Tourniquet keeps what belongs to the person running
// it, not to the bot's data: the terminal's history and its log.
// $XDG_STATE_HOME/tourniquet, else $HOME/.local/state/tourniquet; "" when
// neither variable is set.
func stateDir(getenv func(string) string) string {
	if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "tourniquet")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "state", "tourniquet")
	}
	return ""
}

// interactiveLogFile is where an interactive terminal session logs when
// log.file is not set: tourniquet.log in the state directory, or in the
// working directory when there is none.
func interactiveLogFile(getenv func(string) string) string {
	return filepath.Join(stateDir(getenv), "tourniquet.log")
}

// historyFile is where the terminal keeps typed lines across sessions;
// "" (the session only) when there is no state directory.
func historyFile(getenv func(string) string) string {
	if d := stateDir(getenv); d != "" {
		return filepath.Join(d, "history")
	}
	return ""
}

// openLogger returns the logger writing to path (appended; the file and
// its directory created owner-only) or, when path is empty, to stderr.
// closeLog closes the file.
func openLogger(cfg *config.Config, path string, stderr io.Writer) (log *slog.Logger, closeLog func(), err error) {
	if path == "" {
		return slog.New(logctx.New(cfg.Log.Handler(stderr, isTTY(stderr)))), func() {}, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, fmt.Errorf("log file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("log file: %w", err)
	}
	return slog.New(logctx.New(cfg.Log.Handler(f, false))), func() { _ = f.Close() }, nil
}
