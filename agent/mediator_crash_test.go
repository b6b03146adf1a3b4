package agent

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/wso2-container/agent/agent/plan"
)

// renderKilledAt runs `agent render` with env under strace, which kills
// it (SIGKILL) at its first call of sys (renameat or unlinkat) that names
// path, and reports whether it was killed there (false: the render made
// no such call and completed).
func renderKilledAt(t *testing.T, env map[string]string, sys, path string) bool {
	t.Helper()
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Fatalf("strace is required for this test (scripts/install-deps.sh installs it): %v", err)
	}
	cmd := exec.Command(strace, "-f", "-qq", "-o", "/dev/null", "-P", path,
		"-e", "trace="+sys, "-e", "inject="+sys+":signal=SIGKILL",
		buildPipeBin(t), "render")
	cmd.Env = envList(env)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return false
	case errors.As(err, &ee):
		// strace ends itself with the signal that ended the agent.
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true
		}
	}
	t.Fatalf("render under strace (kill at %s of %s): %v\n%s", sys, path, err, out)
	return false
}

// mirrorState is the mediator folder lib as libState shows it, and the
// jars its manifest lists (an empty manifest is no manifest: both claim
// nothing).
func mirrorState(t *testing.T, lib string) string {
	t.Helper()
	manifest, err := os.ReadFile(filepath.Join(lib, plan.MediatorManifest))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s; manifest [%s]", libState(t, lib), strings.Join(strings.Fields(string(manifest)), " "))
}

// TestMediatorMirrorSurvivesKills: a start killed at any rename or removal
// of the mediator mirror (each jar, the image's jar's backup, the manifest)
// leaves a state from which the next start makes exactly the folder an
// uninterrupted start makes, and in which the agent's claims are intact:
// when the share is then emptied, the folder holds the image's own jars
// again, as they were, and nothing of the share's. The steps: the share
// adds a jar, replaces an image's jar with a different one and has one
// identical to an image's jar; then it changes its jar, drops the replaced
// one (the image's is put back) and adds another; then it is emptied (the
// agent's jars are removed).
func TestMediatorMirrorSurvivesKills(t *testing.T) {
	image := map[string]string{"b.jar": "image-b", "i.jar": "image-i"}
	shares := []map[string]string{
		{},
		{"a.jar": "a1", "b.jar": "share-b", "i.jar": "image-i"},
		{"a.jar": "a2", "c.jar": "c1"},
		{},
	}
	newHome := func(t *testing.T) (env map[string]string, share, lib string) {
		home := freshHome(t, "gateway")
		lib = filepath.Join(home, "repository/components/lib")
		if err := os.MkdirAll(lib, 0o755); err != nil {
			t.Fatal(err)
		}
		for n, c := range image {
			if err := os.WriteFile(filepath.Join(lib, n), []byte(c), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		share = filepath.Join(t.TempDir(), "mediator")
		return with(processEnv(t, "gateway", home), "WSO2_MEDIATOR_DIR", share), share, lib
	}
	setShare := func(t *testing.T, share string, jars map[string]string) {
		if err := os.RemoveAll(share); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(share, 0o755); err != nil {
			t.Fatal(err)
		}
		for n, c := range jars {
			if err := os.WriteFile(filepath.Join(share, n), []byte(c), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	render := func(t *testing.T, env map[string]string, what string) {
		if r := runPipe(t, env, "render"); r.Code != 0 {
			t.Fatalf("%s: render: exit %d\n%s", what, r.Code, r.Stderr)
		}
	}

	// What uninterrupted starts make of each share, and of the image's
	// folder once the share is emptied again.
	env, share, lib := newHome(t)
	want := make([]string, len(shares))
	for k, s := range shares {
		setShare(t, share, s)
		render(t, env, fmt.Sprintf("share %d", k))
		want[k] = mirrorState(t, lib)
	}
	original := "b.jar=image-b i.jar=image-i; manifest []"
	if want[len(want)-1] != original {
		t.Fatalf("uninterrupted starts leave %q after the share is emptied, want %q", want[len(want)-1], original)
	}

	// Every rename into the folder and every removal from it, at each
	// step: where a kill leaves something in between.
	const manifest = plan.MediatorManifest
	points := []struct {
		share     int
		sys, name string
	}{
		{1, "renameat", ".b.jar.agent-orig"}, {1, "renameat", manifest}, {1, "renameat", "a.jar"}, {1, "renameat", "b.jar"},
		{2, "renameat", "b.jar"}, {2, "renameat", manifest}, {2, "renameat", "a.jar"}, {2, "renameat", "c.jar"}, {2, "unlinkat", ".b.jar.agent-orig"},
		{3, "unlinkat", "a.jar"}, {3, "unlinkat", "c.jar"}, {3, "renameat", manifest},
	}
	for _, pt := range points {
		k := pt.share
		t.Run(fmt.Sprintf("share %d, %s of %s", k, pt.sys, pt.name), func(t *testing.T) {
			t.Parallel()
			env, share, lib := newHome(t)
			for j := 1; j < k; j++ {
				setShare(t, share, shares[j])
				render(t, env, fmt.Sprintf("share %d", j))
			}
			setShare(t, share, shares[k])
			if !renderKilledAt(t, env, pt.sys, filepath.Join(lib, pt.name)) {
				t.Fatal("the start made no such call: nothing was killed")
			}
			render(t, env, "the start after the kill")
			if got := mirrorState(t, lib); got != want[k] {
				t.Fatalf("after the kill and one more start, lib holds\n  %s\nwant\n  %s", got, want[k])
			}
			setShare(t, share, nil)
			render(t, env, "the start with an empty share")
			if got := mirrorState(t, lib); got != original {
				t.Fatalf("with the share emptied, lib holds\n  %s\nwant the image's own jars\n  %s", got, original)
			}
		})
	}
}
