//go:build tourniquet_testhooks

package actions

// testHooks: this binary was built for the fault suite (testhook.go).
const testHooks = true
