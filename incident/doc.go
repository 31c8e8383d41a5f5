// Package incident is Tourniquet's domain: incidents, their append-only
// events, and the two independent clocks that the product is built around.
//
// Impact (ongoing → mitigated, possibly regressed again) and cause
// (unknown → identified) are separate dimensions: either may come first and
// neither implies the other. Resolution is a third thing. Every transition
// takes the time it happens at; nothing in this package reads the wall clock
// or does I/O.
package incident
