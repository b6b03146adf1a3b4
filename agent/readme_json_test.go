package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/plan"
)

// readmeJSON returns the JSON example that follows <!-- json: NAME --> in
// the README.
func readmeJSON(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "<!-- json: "+name+" -->")
	if i < 0 {
		t.Fatalf("README has no <!-- json: %s --> example", name)
	}
	s = s[i:]
	j := strings.Index(s, "```json\n")
	k := strings.Index(s[j+8:], "```")
	if j < 0 || k < 0 {
		t.Fatalf("no ```json block after <!-- json: %s -->", name)
	}
	return []byte(s[j+8 : j+8+k])
}

// jsonShape describes a decoded JSON value by its types: an object as its
// keys with their shapes (merged over the elements of an array), an array
// as []any{element shape}, a scalar as "string", "number" or "boolean".
func jsonShape(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = jsonShape(e)
		}
		return out
	case []any:
		var elem any
		for _, e := range x {
			elem = mergeShapes(elem, jsonShape(e))
		}
		return []any{elem}
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return nil
	}
	panic(fmt.Sprintf("unexpected JSON value %T", v))
}

// mergeShapes merges two object shapes (the union of their keys).
func mergeShapes(a, b any) any {
	ma, okA := a.(map[string]any)
	mb, okB := b.(map[string]any)
	if !okA || !okB {
		if a == nil {
			return b
		}
		return a
	}
	out := map[string]any{}
	for k, v := range ma {
		out[k] = v
	}
	for k, v := range mb {
		out[k] = mergeShapes(out[k], v)
	}
	return out
}

// typeShape is the jsonShape of every value of Go type t as encoding/json
// writes it (json tags, embedded structs flattened, omitempty fields too).
func typeShape(t reflect.Type) any {
	if t == reflect.TypeOf(time.Time{}) {
		return "string"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return typeShape(t.Elem())
	case reflect.Slice:
		return []any{typeShape(t.Elem())}
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64:
		return "number"
	case reflect.Struct:
		out := map[string]any{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if f.Anonymous && name == "" {
				for k, v := range typeShape(f.Type).(map[string]any) {
					out[k] = v
				}
				continue
			}
			if name == "" {
				name = f.Name
			}
			out[name] = typeShape(f.Type)
		}
		return out
	}
	panic("unexpected type " + t.String())
}

// shapeWithin reports the keys of got that want lacks, or has with another
// type, as "path: problem" lines.
func shapeWithin(path string, got, want any) []string {
	switch g := got.(type) {
	case map[string]any:
		w, ok := want.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: an object, documented as %v", path, want)}
		}
		var out []string
		for k, v := range g {
			wv, ok := w[k]
			if !ok {
				out = append(out, fmt.Sprintf("%s.%s: not documented", path, k))
				continue
			}
			out = append(out, shapeWithin(path+"."+k, v, wv)...)
		}
		sort.Strings(out)
		return out
	case []any:
		w, ok := want.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: an array, documented as %v", path, want)}
		}
		if g[0] == nil {
			return nil // an empty array fits any element
		}
		return shapeWithin(path+"[]", g[0], w[0])
	}
	if got != want {
		return []string{fmt.Sprintf("%s: a %v, documented as %v", path, got, want)}
	}
	return nil
}

func decodeJSON(t *testing.T, what string, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s is not valid JSON: %v\n%s", what, err, b)
	}
	return v
}

// TestREADMEJSONShapes: the README's examples of `agent env --json` and
// `agent render --output json` have exactly the keys and types of the real
// output (every key the Go types can write, each with its JSON type), and
// the real output of a gateway dry run fits them; the env example's
// entries are the real entries.
func TestREADMEJSONShapes(t *testing.T) {
	t.Run("env", func(t *testing.T) {
		isolateEnv(t)
		var out bytes.Buffer
		io := IO{Stdout: &out, Stderr: &out, Log: NewLogger(&out, "text")}
		if code := cmdEnv(context.Background(), []string{"--json"}, io); code != 0 {
			t.Fatalf("agent env --json: exit %d\n%s", code, out.String())
		}
		real := decodeJSON(t, "agent env --json", out.Bytes())
		doc := decodeJSON(t, "the README's agent env --json example", readmeJSON(t, "agent env --json"))
		if got, want := jsonShape(doc), typeShape(reflect.TypeOf([]contract.Var{})); !reflect.DeepEqual(got, want) {
			t.Errorf("the README's example has the shape %v; agent env --json writes %v", got, want)
		}
		if p := shapeWithin("env", jsonShape(real), jsonShape(doc)); len(p) > 0 {
			t.Errorf("agent env --json does not fit the README's example:\n%s", strings.Join(p, "\n"))
		}
		byName := map[string]any{}
		for _, e := range real.([]any) {
			byName[e.(map[string]any)["name"].(string)] = e
		}
		for _, e := range doc.([]any) {
			name := e.(map[string]any)["name"].(string)
			if !reflect.DeepEqual(e, byName[name]) {
				t.Errorf("the README's entry for %s is %v; agent env --json prints %v", name, e, byName[name])
			}
		}
	})
	t.Run("render", func(t *testing.T) {
		isolateEnv(t)
		home := freshHome(t, "gateway")
		for k, v := range goldenEnv(t, "gateway", home) {
			t.Setenv(k, v)
		}
		t.Setenv("WSO2_AGENT_JOB_PURGE", "@daily find "+home+"/repository/logs -name '*.log' -mtime +7 -delete")
		t.Setenv("WSO2_AGENT_CERT_SYNC", "@every 10m")
		var out, errb bytes.Buffer
		io := IO{Stdout: &out, Stderr: &errb, Log: NewLogger(&errb, "text")}
		if code := cmdRender(context.Background(), []string{"--dry-run", "--output", "json"}, io); code != 0 {
			t.Fatalf("agent render --dry-run --output json: exit %d\n%s", code, errb.String())
		}
		real := jsonShape(decodeJSON(t, "agent render --output json", out.Bytes()))
		doc := jsonShape(decodeJSON(t, "the README's agent render --output json example", readmeJSON(t, "agent render --output json")))
		if want := typeShape(reflect.TypeOf(plan.Report{})); !reflect.DeepEqual(doc, want) {
			t.Errorf("the README's example has the shape\n%v\nagent render --output json writes\n%v", doc, want)
		}
		if p := shapeWithin("render", real, doc); len(p) > 0 {
			t.Errorf("agent render --output json does not fit the README's example:\n%s", strings.Join(p, "\n"))
		}
		for _, k := range []string{"actions", "jobs", "changed_files"} {
			if _, ok := real.(map[string]any)[k]; !ok {
				t.Errorf("the dry run printed no %s: the check is weaker than it should be", k)
			}
		}
	})
}
