package agent

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestBadInputFSMatrix: the file-system rows of the bad-input matrix (the
// harness is badinput_harness_test.go): everything the agent is pointed at
// that is not a readable regular file of a sensible size — /dev/zero, a
// directory, a FIFO nobody writes to, a huge file — and a home another agent
// holds. Each fails at once (the harness's timeout guards against a hang)
// with its exit code and one line naming the variable or file, and leaves
// every file as it was.
func TestBadInputFSMatrix(t *testing.T) {
	var rows []badCase
	// A secret in a *_FILE: exit 78 naming the variable and the file.
	for _, s := range []struct {
		name, variable string
		bad            func(t *testing.T, b *badEnv) string
		msg            string
	}{
		{"/dev/zero", "WSO2_ADMIN_PASSWORD", func(*testing.T, *badEnv) string { return "/dev/zero" }, "a character device"},
		{"a directory", "WSO2_MYSQL_PASSWORD", badDir, "a directory"},
		{"a FIFO without a writer", "WSO2_KEYSTORE_PASSWORD", badFIFO, "a FIFO"},
		{"a huge file", "WSO2_TRUSTSTORE_PASSWORD", badHuge, "larger than 4 KiB"},
		{"a NUL byte", "WSO2_ADMIN_PASSWORD", func(t *testing.T, b *badEnv) string { return emptySecretFile(t, b, "pass\x00word\n") }, "holds a NUL byte"},
	} {
		rows = append(rows, badCase{name: "secret file is " + s.name + " (" + s.variable + "_FILE)",
			env: map[string]string{s.variable: unset},
			setup: func(t *testing.T, b *badEnv) {
				p := s.bad(t, b)
				b.Env[s.variable+"_FILE"] = p
				b.Env["TEST_BAD_PATH"] = p
			},
			code: 78, msg: []string{s.variable + "_FILE", s.msg}, check: errorNamesBadPath})
	}
	// The files image builders and operators name: patch file, crontab.
	for _, v := range []struct{ variable, limit string }{{"WSO2_AGENT_PATCHES", "4 MiB"}, {"WSO2_AGENT_CRONTAB", "4 MiB"}} {
		for _, s := range []struct {
			name string
			bad  func(t *testing.T, b *badEnv) string
			msg  string
		}{
			{"/dev/zero", func(*testing.T, *badEnv) string { return "/dev/zero" }, "a character device"},
			{"a directory", badDir, "a directory"},
			{"a FIFO without a writer", badFIFO, "a FIFO"},
			{"a huge file", badHuge, "larger than " + v.limit},
		} {
			rows = append(rows, badCase{name: v.variable + " is " + s.name,
				setup: func(t *testing.T, b *badEnv) {
					p := s.bad(t, b)
					b.Env[v.variable] = p
					b.Env["TEST_BAD_PATH"] = p
				},
				code: 78, msg: []string{v.variable, s.msg}, check: errorNamesBadPath})
		}
	}
	// Files inside the folders the agent reads: a certificate, the own
	// keystore, a mediator jar, a configuration file of the home.
	for _, f := range []struct {
		where, name string
		folder      func(t *testing.T, b *badEnv) string
	}{
		{"certificates folder", "partner.pem", certsCopy},
		{"certificates folder (own keystore)", "wso2gateway.jks", certsCopy},
		{"mediator share", "extra.jar", mediatorShare},
		{"home", "carbon.xml", func(t *testing.T, b *badEnv) string { return filepath.Join(b.Home, "repository", "conf") }},
	} {
		for _, s := range []struct {
			name string
			make func(t *testing.T, path string)
			code int
			msg  string
		}{
			{"a link to /dev/zero", func(t *testing.T, p string) { mustSymlink(t, "/dev/zero", p) }, 66, "a character device"},
			{"a FIFO without a writer", func(t *testing.T, p string) { mustMkfifo(t, p) }, 66, "a FIFO"},
			{"a link to a FIFO", func(t *testing.T, p string) {
				fifo := filepath.Join(filepath.Dir(p), ".fifo")
				mustMkfifo(t, fifo)
				mustSymlink(t, fifo, p)
			}, 66, "a FIFO"},
			{"a dangling link", func(t *testing.T, p string) { mustSymlink(t, filepath.Join(filepath.Dir(p), "gone"), p) }, 66, "no such file"},
		} {
			rows = append(rows, badCase{name: f.name + " in the " + f.where + " is " + s.name,
				setup: func(t *testing.T, b *badEnv) {
					p := filepath.Join(f.folder(t, b), f.name)
					if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
						t.Fatal(err)
					}
					s.make(t, p)
				},
				code: s.code, msg: []string{f.name, s.msg}})
		}
	}
	rows = append(rows,
		badCase{name: "a huge certificate file", setup: func(t *testing.T, b *badEnv) {
			hugeAt(t, filepath.Join(certsCopy(t, b), "partner.pem"))
		}, code: 65, msg: []string{"partner.pem", "larger than 4 MiB"}},
		badCase{name: "a huge mediator jar", setup: func(t *testing.T, b *badEnv) {
			hugeAt(t, filepath.Join(mediatorShare(t, b), "extra.jar"))
		}, code: 65, msg: []string{"extra.jar", "larger than 512 MiB"}},
		badCase{name: "home held by another agent", env: map[string]string{"WSO2_AGENT_LOCK_TIMEOUT": "200ms"},
			setup: func(t *testing.T, b *badEnv) { holdLock(t, b.Home) },
			code:  75, msg: []string{"WSO2_HOME", "home is busy", "WSO2_AGENT_LOCK_TIMEOUT"}},
		badCase{name: "home held by another agent (dry run)", args: []string{"render", "--dry-run"}, env: map[string]string{"WSO2_AGENT_LOCK_TIMEOUT": "200ms"},
			setup: func(t *testing.T, b *badEnv) { holdLock(t, b.Home) },
			code:  75, msg: []string{"WSO2_HOME", "home is busy"}},
		badCase{name: "bad WSO2_AGENT_LOCK_TIMEOUT", env: map[string]string{"WSO2_AGENT_LOCK_TIMEOUT": "soon"},
			code: 78, msg: []string{"WSO2_AGENT_LOCK_TIMEOUT"}},
	)
	runBadMatrix(t, rows)
}

// errorNamesBadPath asserts that the error line names the file of the row.
func errorNamesBadPath(t *testing.T, b *badEnv, r runResult) {
	t.Helper()
	if l := errorLines(r.Stderr); len(l) != 1 || b.Env["TEST_BAD_PATH"] == "" || !strings.Contains(l[0], b.Env["TEST_BAD_PATH"]) {
		t.Errorf("the error line does not name %s:\n%s", b.Env["TEST_BAD_PATH"], r.Stderr)
	}
}

// badRoot is a new snapshot root for the row's bad files.
func badRoot(t *testing.T, b *badEnv) string {
	dir := t.TempDir()
	b.Roots = append(b.Roots, dir)
	return dir
}

func badDir(t *testing.T, b *badEnv) string {
	p := filepath.Join(badRoot(t, b), "dir")
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func badFIFO(t *testing.T, b *badEnv) string {
	p := filepath.Join(badRoot(t, b), "fifo")
	mustMkfifo(t, p)
	return p
}

func badHuge(t *testing.T, b *badEnv) string {
	p := filepath.Join(badRoot(t, b), "huge")
	hugeAt(t, p)
	return p
}

// hugeAt makes a sparse 1 GiB file at path (no disk space used).
func hugeAt(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 1<<30); err != nil {
		t.Fatal(err)
	}
}

func mustMkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustSymlink(t *testing.T, target, path string) {
	t.Helper()
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}

// certsCopy copies the certificates folder into a new snapshot root and
// points WSO2_CERTIFICATES_DIR at the copy.
func certsCopy(t *testing.T, b *badEnv) string {
	if d := b.Env["TEST_CERTS_COPY"]; d != "" {
		return d
	}
	dir := filepath.Join(badRoot(t, b), "certificates")
	fxCopy(t, b.Env["WSO2_CERTIFICATES_DIR"], dir)
	b.Env["WSO2_CERTIFICATES_DIR"] = dir
	b.Env["TEST_CERTS_COPY"] = dir
	return dir
}

// mediatorShare makes an empty mediator share in a new snapshot root and
// points WSO2_MEDIATOR_DIR at it.
func mediatorShare(t *testing.T, b *badEnv) string {
	dir := filepath.Join(badRoot(t, b), "mediator")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b.Env["WSO2_MEDIATOR_DIR"] = dir
	return dir
}
