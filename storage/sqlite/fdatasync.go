package sqlite

import "modernc.org/sqlite"

// syncData makes SQLite commit with fdatasync(2) rather than fsync(2),
// process-wide, where the platform has it (Linux; elsewhere it stays
// fsync). fdatasync writes the data and the size needed to read it back,
// so a commit is exactly as durable; it skips the timestamps, whose update
// fsync forces through ext4's journal on every commit. That was the
// largest single cost of a command (docs/BENCHMARKS.md). SQLite's own
// builds for Linux use fdatasync; modernc.org/sqlite, transpiled without
// that check, keeps fsync unless asked.
func syncData() {
	// ErrFdatasyncUnavailable (macOS, Windows) leaves fsync in force.
	_, _ = sqlite.Fdatasync(true)
}
