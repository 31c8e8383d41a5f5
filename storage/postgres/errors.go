package postgres

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tourniquet/tourniquet/storage"
)

// PostgreSQL's unique_violation and foreign_key_violation error codes.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
)

// mapErr maps pgx errors to the storage sentinels and wraps the rest with
// what was being done.
func mapErr(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, storage.ErrNotFound)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == codeUniqueViolation {
		return fmt.Errorf("%s: %w", what, storage.ErrConflict)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

// isForeignKey reports whether err is a foreign key violation.
func isForeignKey(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == codeForeignKeyViolation
}
