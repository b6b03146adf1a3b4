package certs_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/certs"
	"github.com/wso2-container/agent/agent/exitcode"
)

// inReadOnlyMount runs fn on an OS thread that has its own mount namespace
// in which dir is a read-only bind mount, like a truststore mounted from a
// Kubernetes ConfigMap. The rest of the process (and the host) still sees
// dir writable. Needs root (CAP_SYS_ADMIN), which the test environment has.
func inReadOnlyMount(t *testing.T, dir string, fn func()) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		// The thread is never unlocked: it exits with the goroutine, taking
		// its mount namespace with it.
		runtime.LockOSThread()
		step := func(what string, err error) bool {
			if err != nil {
				errc <- &stepError{what, err}
				return false
			}
			return true
		}
		if !step("unshare the mount namespace (the test must run as root)", syscall.Unshare(syscall.CLONE_NEWNS)) ||
			!step("make / private", syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, "")) ||
			!step("bind "+dir, syscall.Mount(dir, dir, "", syscall.MS_BIND, "")) ||
			!step("remount read-only", syscall.Mount("", dir, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, "")) {
			return
		}
		fn()
		errc <- nil
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

type stepError struct {
	what string
	err  error
}

func (e *stepError) Error() string { return e.what + ": " + e.err.Error() }

// TestReadOnlyTruststore: a truststore on a read-only file system plans
// fine (planning only reads, so that a dry run works there), and applying
// the plan fails with exit code IOErr naming the file; the store stays
// byte-identical.
func TestReadOnlyTruststore(t *testing.T) {
	dir := t.TempDir()
	certDir := filepath.Join(dir, "certificates")
	genCerts(t, certDir, false, "gateway")
	sec := filepath.Join(dir, "security")
	if err := os.Mkdir(sec, 0o755); err != nil {
		t.Fatal(err)
	}
	ts := copyStock(t, "client-truststore.jks", sec)
	before := readFile(t, ts)

	// Planned while writable, applied after the file system became read-only.
	planned, err := certs.PlanImport(certDir, ts, "wso2carbon", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var roPlan *certs.ImportPlan
	var planErr, roApplyErr, applyErr, genErr error
	inReadOnlyMount(t, sec, func() {
		roPlan, planErr = certs.PlanImport(certDir, ts, "wso2carbon", time.Now())
		if planErr == nil {
			roApplyErr = roPlan.Apply()
		}
		applyErr = planned.Apply()
		_, genErr = certs.Generate(certs.GenerateOptions{Out: sec, Components: []string{"store"}, Key: "ecdsa-p256", Password: "wso2carbon"})
	})
	if planErr != nil || !roPlan.Changed() {
		t.Fatalf("plan on a read-only file system: %v (changed %v), want the import planned", planErr, roPlan != nil && roPlan.Changed())
	}
	for what, err := range map[string]error{"apply of a plan made there": roApplyErr, "apply": applyErr, "generate": genErr} {
		t.Logf("%s: %v", what, err)
		if exitcode.Of(err) != exitcode.IOErr || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s on a read-only file system: %v (code %d), want one line with code %d", what, err, exitcode.Of(err), exitcode.IOErr)
		}
		if what != "generate" && !strings.Contains(err.Error(), ts) {
			t.Errorf("%s error does not name %s: %v", what, ts, err)
		}
	}
	if !bytes.Equal(readFile(t, ts), before) {
		t.Fatal("truststore changed")
	}
	noTempFiles(t, sec)
	// Writable again outside the namespace: the same plan applies.
	if err := planned.Apply(); err != nil {
		t.Fatalf("apply outside the read-only mount: %v", err)
	}
}
