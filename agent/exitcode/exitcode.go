// Package exitcode defines the agent's documented process exit codes and an
// error type that carries one.
//
// The agent's own failures use the BSD sysexits(3) numbers, so that they are
// recognisable and do not collide with the usual 1/2 of shell tools. When the
// agent supervises a server, its exit status is the server's (128+N when the
// server died of signal N), so a server may of course exit with any of these
// numbers too; the agent's own failures are always preceded by an error line
// on stderr.
//
// It must not know which package fails or why, nor any product or profile:
// every package of the agent may import it, so it imports none of the
// module. The meanings in Table are the README's exit-code table, and the
// agent's variables they name (WSO2_AGENT_USER, WSO2_AGENT_WAIT_TIMEOUT,
// WSO2_AGENT_LOCK_TIMEOUT) are prose there, never read.
package exitcode

import (
	"errors"
	"fmt"
)

// Exit codes. The README's "Exit codes" table is generated from the same list
// (see Table) and must stay in step with it.
const (
	OK          = 0   // success
	Usage       = 64  // bad command line: unknown subcommand or flag, missing argument
	DataErr     = 65  // bad content: malformed XML/properties/archive in a target file, a certificate or keystore that cannot be read with the given password, ambiguous database rows
	NoInput     = 66  // a file or folder the plan needs is missing or unreadable
	NoUser      = 67  // a user does not exist: WSO2_AGENT_USER on this system, or the admin user in the user-store database
	Unavailable = 69  // a service the job needs is unavailable: database connection or authentication failure, missing database or table
	Software    = 70  // internal error (a bug: please report it)
	OSErr       = 71  // the operating system refused: fork/exec, setuid, signals
	IOErr       = 74  // writing failed during apply (read-only file system, disk full); every file is left as it was
	TempFail    = 75  // a dependency did not become reachable within WSO2_AGENT_WAIT_TIMEOUT, or the home stayed locked by another agent for WSO2_AGENT_LOCK_TIMEOUT
	Config      = 78  // bad configuration: an environment variable, a profile name, a patch file (a line that does not parse, or whose edit does not fit its file), a schedule or a job
	NotExec     = 126 // the server command exists but cannot be executed
	NotFound    = 127 // the server command was not found
)

// Row is one line of the exit-code table.
type Row struct {
	Code    int
	Name    string
	Meaning string
}

// Table lists every exit code the agent itself may return, for documentation.
func Table() []Row {
	return []Row{
		{OK, "ok", "success (for `run`: the server exited 0)"},
		{Usage, "usage", "bad command line: unknown subcommand or flag, missing argument"},
		{DataErr, "data", "bad content: malformed XML/properties/archive, unreadable certificate or keystore, wrong keystore password, ambiguous database rows, a file larger than its kind allows"},
		{NoInput, "noinput", "a file or folder the plan needs is missing or unreadable, or is not a regular file (a directory, FIFO or device where a file is read)"},
		{NoUser, "nouser", "a user does not exist (WSO2_AGENT_USER, or the admin user in the database)"},
		{Unavailable, "unavailable", "database unreachable, authentication failed, database or table missing"},
		{Software, "software", "internal error (a bug)"},
		{OSErr, "oserr", "the operating system refused (fork/exec, setuid, signals)"},
		{IOErr, "ioerr", "a write failed during apply (read-only, disk full, permission denied: the message then says which uid the agent runs as and who owns the folder); every file is whole, old or new, and a failure while staging changes nothing; also a file to change that is mounted by itself (a bind mount of one file), refused before anything is written"},
		{TempFail, "tempfail", "a dependency did not become reachable within WSO2_AGENT_WAIT_TIMEOUT, or another agent held the home (its lock) for WSO2_AGENT_LOCK_TIMEOUT"},
		{Config, "config", "bad configuration: environment variable, profile, patch file (a line that does not parse, or whose edit does not fit its file), schedule, job"},
		{NotExec, "notexec", "the server command is not executable"},
		{NotFound, "notfound", "the server command was not found"},
		{-1, "128+N", "`run`: the server was killed by signal N (143 = SIGTERM, 137 = SIGKILL); `render`, `certs generate`, `admin-password`, `health`: stopped by TERM or INT (143, 130) before they finished: as PID 1 with a line saying so (render: a wait for the home's lock ends at once, a setup already applying is finished first; certs generate: nothing is written); any other process dies of the signal at once, which its parent sees as 128+N (render and certs generate may have replaced some files, each whole)"},
		{-2, "other", "`run`: the server's own exit status, passed through"},
	}
}

// Error is an error that carries the exit code the process should end with.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Wrap attaches code to err. A nil err stays nil. If err already carries a
// code, the innermost (first attached) code wins, so low-level code can be
// precise and callers can wrap generically.
func Wrap(code int, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Code: code, Err: err}
}

// Errorf is fmt.Errorf followed by Wrap.
func Errorf(code int, format string, args ...any) error {
	return Wrap(code, fmt.Errorf(format, args...))
}

// Of returns the exit code carried by err: OK for nil, Software for an error
// that carries none.
func Of(err error) int {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Software
}
