package agent

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/contract"
)

// TestEveryVariableReadIsInTheContract: a WSO2_ variable that the code looks
// up by name (Getenv, LookupEnv, an Env's get, or a constant holding the
// name) is in the contract, so that `agent env` lists it and the start does
// not warn that it "is not a variable the agent reads" while reading it
// (WSO2_SERVER_HOME, which WSO2's own images set, once was).
func TestEveryVariableReadIsInTheContract(t *testing.T) {
	known := contract.KnownVarNames()
	read := regexp.MustCompile(`(?:Getenv|LookupEnv|\.get)\("(WSO2_[A-Z0-9_]+)"\)|(?m)^\s*(?:const\s+)?\w+\s*=\s*"(WSO2_[A-Z0-9_]+[A-Z0-9])"\s*(?://.*)?$`)
	found := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range read.FindAllStringSubmatch(string(src), -1) {
			name := m[1] + m[2]
			found++
			if !known[name] {
				t.Errorf("%s reads %s, which is not in the contract (agent env, the unknown-variable warning)", path, name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 20 {
		t.Fatalf("found only %d lookups by name: the pattern no longer matches the code", found)
	}
}
