package quartz

import (
	"bufio"
	"github.com/wso2-container/agent/internal/fixtures"
	"os"
	"strings"
	"testing"
	"time"
)

// vectorsFile holds expressions with the validity and the next 5 fire times
// that real Quartz 2.3.2 computes from vectorsFrom (see quartz-vectors.md).
var vectorsFile = fixtures.Path("quartz-vectors.tsv")

var vectorsFrom = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// vector is one line of quartz-vectors.tsv.
type vector struct {
	line  int
	expr  string
	valid bool
	fires []string
}

// loadVectors reads quartz-vectors.tsv, failing the test on any malformed line.
func loadVectors(tb testing.TB) []vector {
	tb.Helper()
	f, err := os.Open(vectorsFile)
	if err != nil {
		tb.Fatalf("open the Quartz vectors: %v", err)
	}
	defer f.Close()
	var out []vector
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		if n == 1 {
			if sc.Text() != "expr\tvalid\tfires" {
				tb.Fatalf("%s: unexpected header %q", vectorsFile, sc.Text())
			}
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 3 || (cols[1] != "yes" && cols[1] != "no") {
			tb.Fatalf("%s:%d: malformed line %q", vectorsFile, n, sc.Text())
		}
		out = append(out, vector{line: n, expr: cols[0], valid: cols[1] == "yes", fires: strings.Fields(cols[2])})
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("read %s: %v", vectorsFile, err)
	}
	if len(out) < 60 {
		tb.Fatalf("%s: only %d vectors", vectorsFile, len(out))
	}
	return out
}

func formatTimes(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Format(time.RFC3339)
	}
	return out
}

// TestQuartzVectors checks every line of quartz-vectors.tsv: validity and
// all listed fire times, and that there are no more than Quartz lists.
func TestQuartzVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		s, err := Parse(v.expr)
		if v.valid != (err == nil) {
			t.Errorf("line %d: Parse(%q): err = %v, Quartz says valid=%v", v.line, v.expr, err, v.valid)
			continue
		}
		if err != nil {
			continue
		}
		got := strings.Join(formatTimes(s.NextN(vectorsFrom, 5)), " ")
		if want := strings.Join(v.fires, " "); got != want {
			t.Errorf("line %d: %q from %s:\n got  %s\n want %s", v.line, v.expr, vectorsFrom.Format(time.RFC3339), got, want)
		}
	}
}
