package supervise

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/wso2-container/agent/agent/exitcode"
)

// DefaultPath is searched for a bare command name when the child's
// environment has no PATH (execvp's default).
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// LookPath finds the executable a child started in dir with environment env
// runs for name, as execvp does: a name with a slash is a path (relative to
// dir when dir is set); a bare name is searched in the PATH of env (or
// DefaultPath), relative PATH entries again relative to dir. A missing
// command is an error carrying exitcode.NotFound; one that exists but cannot
// be executed (a directory, no execute bit) carries exitcode.NotExec.
func LookPath(name, dir string, env []string) (string, error) {
	inDir := func(p string) string {
		if !filepath.IsAbs(p) && dir != "" {
			return filepath.Join(dir, p)
		}
		return p
	}
	if strings.Contains(name, "/") {
		p := inDir(name)
		fi, err := os.Stat(p)
		switch {
		case err != nil && errors.Is(err, fs.ErrNotExist):
			return "", exitcode.Errorf(exitcode.NotFound, "command %s not found", name)
		case err != nil:
			return "", exitcode.Errorf(exitcode.NotExec, "command %s: %v", name, errors.Unwrap(err))
		case fi.IsDir():
			return "", exitcode.Errorf(exitcode.NotExec, "command %s is a directory", name)
		case fi.Mode()&0o111 == 0:
			return "", exitcode.Errorf(exitcode.NotExec, "command %s is not executable (mode %v)", name, fi.Mode().Perm())
		}
		return p, nil
	}
	path, ok := Getenv(env, "PATH")
	if !ok {
		path = DefaultPath
	}
	nonExec := ""
	for _, d := range filepath.SplitList(path) {
		if d == "" {
			d = "."
		}
		p := inDir(filepath.Join(d, name))
		fi, err := os.Stat(p)
		if err != nil || fi.IsDir() {
			continue
		}
		if fi.Mode()&0o111 != 0 {
			return p, nil
		}
		if nonExec == "" {
			nonExec = p
		}
	}
	if nonExec != "" {
		return "", exitcode.Errorf(exitcode.NotExec, "command %s: %s is not executable", name, nonExec)
	}
	return "", exitcode.Errorf(exitcode.NotFound, "command %s not found in PATH", name)
}

// Getenv returns the last value of key in env (what a process started with
// env sees).
func Getenv(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}
