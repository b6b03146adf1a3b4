package carbonapp

import (
	"runtime"
	"strings"
	"testing"
)

// TestReadEntryReservesNoMoreThanTheHint: readEntry sizes its buffer from
// the entry's header, but a header that claims the largest size allowed
// makes it reserve at most sizeHint, and the wrong size is still an error.
// The bound allowed is three times the hint (the flate reader and the race
// detector's own allocations come on top), far below the 16 MiB claimed.
func TestReadEntryReservesNoMoreThanTheHint(t *testing.T) {
	_, car := buildCar(t)
	r := mustReader(t, car)
	for _, f := range r.File {
		if !strings.HasSuffix(f.Name, ".xml") {
			continue
		}
		real := f.UncompressedSize64
		f.UncompressedSize64 = maxEntrySize
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := readEntry(f)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Fatalf("%s: a header claiming %d bytes (the entry has %d) was not noticed", f.Name, f.UncompressedSize64, real)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 3*sizeHint {
			t.Fatalf("%s: reading a %d-byte entry whose header claims %d allocated %d bytes, want at most %d", f.Name, real, uint64(maxEntrySize), got, 3*sizeHint)
		}
		return
	}
	t.Fatal("no .xml entry in the carbon app")
}
