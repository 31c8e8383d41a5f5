//go:build !unix

package exec

import osexec "os/exec"

// setProcessGroup leaves the default: cancellation kills the command.
func setProcessGroup(cmd *osexec.Cmd) {}

// killGroup has nothing more to kill here.
func killGroup(cmd *osexec.Cmd) {}
