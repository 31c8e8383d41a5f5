// Package integrations holds no code of its own: its folders are the
// external systems a mitigation action can call, one package per
// integration type (the list is cmd/internal/app's), and kit/, the support
// code they share (httpx, tmpl, spec).
//
// An integration package implements actiontype.Integration and exports one
// spec.Descriptor; cmd/internal/app lists the descriptors. It may import
// actiontype, incident, config (for its settings), the kit, the standard
// library and its own third-party client, never the runner (actions), the
// chat engine or an adapter (bot/...), storage or timeline, so that a
// client for one external system compiles on its own. layout_test.go
// checks that with go list. (The OpenAI-compatible summarizer is not an
// action integration: it lives beside its user, in postmortem/openai.)
package integrations
