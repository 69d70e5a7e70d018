//go:build !unix

package function

import "os/exec"

// ownProcessGroup leaves cmd as it is where process groups are not
// available: cancelling kills the program only.
func ownProcessGroup(*exec.Cmd) {}

// killProcessGroup kills the program, if it still runs.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}

// busyStart reports a start worth retrying; never here.
func busyStart(error) bool { return false }
