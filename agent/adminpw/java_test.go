package adminpw

import (
	"bytes"
	"encoding/base64"
	"os/exec"
	"strings"
	"testing"
)

// b64 encodes a request field for testdata/CarbonCheck.java.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// javaOracle runs testdata/CarbonCheck.java in a JVM started the way
// bin/wso2server.sh starts Carbon (-Dfile.encoding=UTF8) and returns one
// answer per request line. It fails the test if java is missing.
func javaOracle(t *testing.T, requests []string) []string {
	t.Helper()
	java, err := exec.LookPath("java")
	if err != nil {
		t.Fatalf("java not found on PATH (install openjdk-17-jdk-headless: scripts/install-deps.sh): %v", err)
	}
	cmd := exec.Command(java, "-Dfile.encoding=UTF8", "testdata/CarbonCheck.java")
	cmd.Stdin = strings.NewReader(strings.Join(requests, "\n") + "\n")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("run CarbonCheck.java: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if lines[0] != "UTF-8" {
		t.Fatalf("JVM default charset is %q, want UTF-8 as under wso2server.sh", lines[0])
	}
	if len(lines)-1 != len(requests) {
		t.Fatalf("CarbonCheck answered %d lines for %d requests:\n%s", len(lines)-1, len(requests), stdout.String())
	}
	return lines[1:]
}
