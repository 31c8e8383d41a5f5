package postgres_test

import (
	"testing"

	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// TestConformance runs the storage conformance suite shared with SQLite.
func TestConformance(t *testing.T) {
	storagetest.Run(t, storagetest.NewPostgres)
}
