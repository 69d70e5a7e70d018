//go:build unix

package function

import (
	"errors"
	"os/exec"
	"syscall"
)

// ownProcessGroup starts cmd as the leader of a new process group and
// makes cancelling its context kill the whole group.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		killProcessGroup(cmd)
		return nil
	}
}

// killProcessGroup sends SIGKILL to every process left in cmd's group.
// The group outlives its leader while members remain, so its id is not
// reused meanwhile; a group already gone is no error.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process == nil || cmd.Process.Pid <= 0 {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}

// busyStart reports a start that failed because the program file is being
// written (ETXTBSY, e.g. while it is deployed): worth retrying.
func busyStart(err error) bool { return errors.Is(err, syscall.ETXTBSY) }
