//go:build !tourniquet_testhooks

package actions

// testHooks: a normal build, without the fault suite's hooks (testhook.go).
const testHooks = false
