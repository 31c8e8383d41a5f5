// Package actiontype holds the types an action integration and the action
// runner share: [Integration], the one method an external system
// implements, its [Request] and [Result], and the classified [Error] that
// tells the runner whether a failure may be retried or may have taken
// effect.
//
// It is a leaf, like river's rivertype: it imports nothing of Tourniquet
// but the domain package incident (and the standard library), so that an
// integration (an Argo CD or LaunchDarkly client) compiles without the
// chat engine, the stores or the runner. A test in integrations/ keeps it
// so. The runner lives in package actions, which imports this one; never
// the other way round.
package actiontype
