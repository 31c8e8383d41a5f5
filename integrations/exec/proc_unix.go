//go:build unix

package exec

import (
	osexec "os/exec"
	"syscall"
)

// setProcessGroup runs the command in a process group of its own, so that
// stopping it at the timeout stops what it started too (a script's
// children), and makes cancellation send SIGTERM to the whole group
// (SIGKILL follows after killDelay).
func setProcessGroup(cmd *osexec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	}
}

// killGroup kills whatever is left of the command's process group once it
// has ended (children that ignored SIGTERM or outlived their parent).
func killGroup(cmd *osexec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
