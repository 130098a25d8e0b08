package m2mauth

import (
	"math"
	"testing"
	"time"
)

// An IdP may ask for a Retry-After of centuries: the Duration saturates
// instead of overflowing into a negative wait.
func TestHugeRetryAfterDoesNotOverflow(t *testing.T) {
	for _, ms := range []int64{math.MaxInt64, math.MaxInt64 / 1000, 1 << 62} {
		if d := millis(ms); d != time.Duration(math.MaxInt64) {
			t.Errorf("millis(%d) = %v, want the longest Duration", ms, d)
		}
	}
	if d := millis(1500); d != 1500*time.Millisecond {
		t.Errorf("millis(1500) = %v", d)
	}
}
