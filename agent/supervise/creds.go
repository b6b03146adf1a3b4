package supervise

import (
	"fmt"
	"os/user"
	"strconv"
	"syscall"

	"github.com/wso2-container/agent/agent/exitcode"
)

// Credential resolves the user name (or numeric uid) name from /etc/passwd
// and its groups from /etc/group (the pure-Go os/user, no cgo) into the
// credential a child is started with: uid, primary gid and every
// supplementary group, the primary one included.
//
// An unknown user is an error carrying exitcode.NoUser; an unreadable group
// database one carrying exitcode.OSErr.
func Credential(name string) (*syscall.Credential, *user.User, error) {
	u, err := user.Lookup(name)
	if err != nil {
		if _, numErr := strconv.ParseUint(name, 10, 32); numErr == nil {
			u, err = user.LookupId(name)
		}
	}
	if err != nil {
		return nil, nil, exitcode.Wrap(exitcode.NoUser, fmt.Errorf("look up user %q: no such user in /etc/passwd", name))
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, nil, exitcode.Wrap(exitcode.NoUser, fmt.Errorf("look up user %q: bad uid %q", name, u.Uid))
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, nil, exitcode.Wrap(exitcode.NoUser, fmt.Errorf("look up user %q: bad gid %q", name, u.Gid))
	}
	ids, err := u.GroupIds()
	if err != nil {
		return nil, nil, exitcode.Wrap(exitcode.OSErr, fmt.Errorf("look up groups of user %q: %w", name, err))
	}
	groups := []uint32{uint32(gid)}
	for _, s := range ids {
		g, err := strconv.ParseUint(s, 10, 32)
		if err != nil || uint32(g) == uint32(gid) {
			continue
		}
		groups = append(groups, uint32(g))
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: groups}, u, nil
}

// RaiseNoFile raises the soft RLIMIT_NOFILE of the process to its hard limit
// and returns the soft limit before and after.
//
// It always calls setrlimit, even when the soft limit already equals the hard
// one: the Go runtime raises the limit for itself at start-up but restores the
// original soft limit in every child unless the program sets the limit
// explicitly. So "before" is the limit of the agent process (which the
// runtime has usually raised already), and after this call children inherit
// "after".
func RaiseNoFile() (before, after uint64, err error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, 0, exitcode.Wrap(exitcode.OSErr, fmt.Errorf("get RLIMIT_NOFILE: %w", err))
	}
	before = lim.Cur
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return before, before, exitcode.Wrap(exitcode.OSErr, fmt.Errorf("set RLIMIT_NOFILE: %w", err))
	}
	return before, lim.Cur, nil
}
