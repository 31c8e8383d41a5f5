// Package migrations holds the SQL schema of each dialect, embedded in the
// binary and applied by goose (storage/postgres, storage/sqlite).
//
// Files are named NNNNN_what.sql with goose annotations. A later change adds
// a new file in both dialects; an applied file is never edited.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// Postgres returns the Postgres migrations.
func Postgres() fs.FS { return sub("postgres") }

// SQLite returns the SQLite migrations.
func SQLite() fs.FS { return sub("sqlite") }

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic(err) // the directory is embedded above; this cannot happen
	}
	return f
}
