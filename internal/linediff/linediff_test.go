package linediff

import (
	"slices"
	"testing"
)

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"a\n", []string{"a\n"}},
		{"a\r\nb", []string{"a\r\n", "b"}},
		{"\n\n", []string{"\n", "\n"}},
	} {
		if got := Split([]byte(tc.in)); !slices.Equal(got, tc.want) {
			t.Errorf("Split(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDiff(t *testing.T) {
	for _, tc := range []struct {
		name, a, b     string
		removed, added []string
	}{
		{"equal", "x\ny\n", "x\ny\n", nil, nil},
		{"one line changed", "a\nb\nc\n", "a\nB\nc\n", []string{"b\n"}, []string{"B\n"}},
		{"inserted", "a\nc\n", "a\nb\nc\n", nil, []string{"b\n"}},
		{"deleted at the end", "a\nb\n", "a\n", []string{"b\n"}, nil},
		{"line ending only", "a\nb\n", "a\r\nb\n", []string{"a\n"}, []string{"a\r\n"}},
		{"final newline only", "a\nb", "a\nb\n", []string{"b"}, []string{"b\n"}},
		// The longest common subsequence is a, b: c is what moved.
		{"moved", "c\na\nb\n", "a\nb\nc\n", []string{"c\n"}, []string{"c\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, a := Diff([]byte(tc.a), []byte(tc.b))
			if !slices.Equal(r, tc.removed) || !slices.Equal(a, tc.added) {
				t.Errorf("Diff = removed %q added %q, want removed %q added %q", r, a, tc.removed, tc.added)
			}
		})
	}
}
