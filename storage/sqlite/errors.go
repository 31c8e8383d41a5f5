package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tourniquet/tourniquet/storage"
)

// mapErr turns driver errors into storage's: no rows is ErrNotFound, a
// unique constraint is ErrConflict, and any other SQLite error becomes a
// plain error with the same message, so that no driver type leaks out.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return storage.ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		if isUnique(se) {
			return fmt.Errorf("%w: %s", storage.ErrConflict, se.Error())
		}
		return errors.New(se.Error())
	}
	return err
}

func isUnique(se *sqlite.Error) bool {
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return true
	}
	return strings.Contains(se.Error(), "UNIQUE constraint failed")
}

// isForeignKey reports whether err is a foreign key violation.
func isForeignKey(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}
