// Package faults is Tourniquet's fault-injection suite: it builds the real
// `tourniquet` binary once, runs real server processes against real
// Postgres (a fresh schema per test) and a fake Slack Web API on loopback,
// and breaks things — SIGKILL mid-action-run, a Postgres outage behind a
// TCP proxy, a Slack API answering 429 and 500, three replicas with one
// killed under load — then checks that nothing acknowledged was lost,
// nothing went out twice, and no secret reached a log.
//
// The tests take minutes, so plain `go test ./...` skips them. Run them
// with
//
//	make faults
//
// or TOURNIQUET_FAULTS=1 go test -count=1 -v ./faults (with
// TOURNIQUET_TEST_DATABASE_URL set). Every server runs at debug log level
// and its stderr is kept; each test fails if a log holds a configured
// token, signing secret, API token, webhook secret, database password or
// response URL.
package faults
