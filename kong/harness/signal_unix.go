//go:build unix

package harness

import "syscall"

// terminateSignal is SIGTERM, what process.lua sends (SIGTERM = 15).
var terminateSignal = syscall.SIGTERM
