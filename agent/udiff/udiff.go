// Package udiff produces unified diffs of two texts, line by line, using the
// Myers O(ND) algorithm. Line endings are kept as part of each line, so a
// change from LF to CRLF is a change; a missing final newline is marked the
// way diff(1) does.
//
// It must not know what the texts are: which file, which product, or which
// values are secret (render masks them before it asks for a diff); it
// compares two strings.
package udiff

import (
	"fmt"
	"strings"
)

// Lines splits s after every '\n', keeping the terminators.
func Lines(s string) []string {
	if s == "" {
		return nil
	}
	out := strings.SplitAfter(s, "\n")
	if out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

type opKind byte

const (
	eq  opKind = ' '
	del opKind = '-'
	ins opKind = '+'
)

type op struct {
	kind opKind
	a, b int // line index in a (eq, del) and b (eq, ins)
}

// edits returns the shortest edit script from a to b.
func edits(a, b []string) []op {
	n, m := len(a), len(b)
	max := n + m
	if max == 0 {
		return nil
	}
	off := max
	v := make([]int, 2*max+2)
	var trace [][]int
	for d := 0; d <= max; d++ {
		snap := make([]int, len(v))
		copy(snap, v)
		trace = append(trace, snap)
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(trace, a, b, off, d)
			}
		}
	}
	return nil
}

func backtrack(trace [][]int, a, b []string, off, dEnd int) []op {
	x, y := len(a), len(b)
	var rev []op
	for d := dEnd; d > 0; d-- {
		v := trace[d]
		k := x - y
		var pk int
		if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := v[off+pk]
		py := px - pk
		for x > px && y > py {
			x--
			y--
			rev = append(rev, op{eq, x, y})
		}
		if x == px {
			y--
			rev = append(rev, op{ins, x, y})
		} else {
			x--
			rev = append(rev, op{del, x, y})
		}
	}
	for x > 0 && y > 0 {
		x--
		y--
		rev = append(rev, op{eq, x, y})
	}
	out := make([]op, len(rev))
	for i := range rev {
		out[i] = rev[len(rev)-1-i]
	}
	return out
}

// Unified returns the unified diff of old and new with ctx lines of context
// under the given file labels, or "" when they are equal.
func Unified(labelA, labelB, old, new string, ctx int) string {
	if old == new {
		return ""
	}
	a, b := Lines(old), Lines(new)
	ops := edits(a, b)
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", labelA, labelB)
	for i := 0; i < len(ops); {
		if ops[i].kind == eq {
			i++
			continue
		}
		// hunk: from the first change back ctx lines, forward until a run of
		// more than 2*ctx equal lines.
		start := i - ctx
		if start < 0 {
			start = 0
		}
		end := i
		for end < len(ops) {
			if ops[end].kind != eq {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == eq {
				run++
			}
			if run == len(ops) || run-end > 2*ctx {
				end += min(ctx, run-end)
				break
			}
			end = run
		}
		writeHunk(&sb, ops[start:end], a, b)
		i = end
	}
	return sb.String()
}

func writeHunk(sb *strings.Builder, ops []op, a, b []string) {
	aStart, bStart, aLen, bLen := -1, -1, 0, 0
	for _, o := range ops {
		if o.kind != ins {
			if aStart < 0 {
				aStart = o.a
			}
			aLen++
		}
		if o.kind != del {
			if bStart < 0 {
				bStart = o.b
			}
			bLen++
		}
	}
	if aStart < 0 {
		aStart = ops[0].a
	}
	if bStart < 0 {
		bStart = ops[0].b
	}
	fmt.Fprintf(sb, "@@ -%s +%s @@\n", rng(aStart, aLen), rng(bStart, bLen))
	for _, o := range ops {
		line := ""
		switch o.kind {
		case eq, del:
			line = a[o.a]
		case ins:
			line = b[o.b]
		}
		sb.WriteByte(byte(o.kind))
		sb.WriteString(strings.TrimSuffix(line, "\n"))
		sb.WriteByte('\n')
		if !strings.HasSuffix(line, "\n") {
			sb.WriteString("\\ No newline at end of file\n")
		}
	}
}

func rng(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}
