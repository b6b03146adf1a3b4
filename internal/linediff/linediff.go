// Package linediff is the tests' independent oracle for what an edit
// changed in a file: the lines removed and the lines added, by longest
// common subsequence. It is deliberately not the algorithm of agent/udiff
// (Myers), which renders diffs for people, so that a test that checks an
// edit with it does not share a bug with the code it checks. It must not
// know what the files are (XML, properties, TOML) or which changes a test
// expects: it lists, and the tests judge.
package linediff

import "bytes"

// Split splits b after each line terminator, keeping it, so that CRLF and
// a missing final newline are visible in what Diff returns.
func Split(b []byte) []string {
	var out []string
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			out = append(out, string(b))
			break
		}
		out = append(out, string(b[:i+1]))
		b = b[i+1:]
	}
	return out
}

// Diff returns the lines of a not in b (removed) and of b not in a (added),
// each in file order, by longest common subsequence after stripping the
// common prefix and suffix. Equal inputs give two empty results.
func Diff(a, b []byte) (removed, added []string) {
	x, y := Split(a), Split(b)
	for len(x) > 0 && len(y) > 0 && x[0] == y[0] {
		x, y = x[1:], y[1:]
	}
	for len(x) > 0 && len(y) > 0 && x[len(x)-1] == y[len(y)-1] {
		x, y = x[:len(x)-1], y[:len(y)-1]
	}
	n, m := len(x), len(y)
	l := make([][]int32, n+1)
	for i := range l {
		l[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				l[i][j] = l[i+1][j+1] + 1
			} else {
				l[i][j] = max(l[i+1][j], l[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case x[i] == y[j]:
			i, j = i+1, j+1
		case l[i+1][j] >= l[i][j+1]:
			removed = append(removed, x[i])
			i++
		default:
			added = append(added, y[j])
			j++
		}
	}
	removed = append(removed, x[i:]...)
	added = append(added, y[j:]...)
	return removed, added
}
