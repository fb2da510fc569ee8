package batch

import (
	"math"
	"testing"
)

func TestValidate(t *testing.T) {
	ok, err := New(2, 3, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid batch: %v", err)
	}
	tests := []struct {
		name  string
		mod   func(b *Batch)
		wants string
	}{
		{"short inputs", func(b *Batch) { b.Inputs = b.Inputs[1:] }, "inputs has 5 values"},
		{"short targets", func(b *Batch) { b.Targets = nil }, "targets has 0 values"},
		{"negative mask", func(b *Batch) { b.Mask[3] = -1 }, "mask value -1 at index 3"},
		{"nan mask", func(b *Batch) { b.Mask[0] = float32(math.NaN()) }, "mask value NaN"},
		{"trials", func(b *Batch) { b.Trials = make([]Trial, 1) }, "1 trial descriptions for a batch of 2"},
		{"shape", func(b *Batch) { b.Out = 0 }, "size, steps and out must be > 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := New(2, 3, 1, 2)
			tc.mod(b)
			err := b.Validate()
			if err == nil || !contains(err.Error(), tc.wants) {
				t.Fatalf("got %v, want error containing %q", err, tc.wants)
			}
		})
	}
	if _, err := New(0, 1, 1, 1); err == nil {
		t.Fatal("New with size 0 gave no error")
	}
}

func TestAtAndPeriod(t *testing.T) {
	b, _ := New(2, 3, 4, 1)
	if got := b.At(1, 2, 3, 4); got != 23 {
		t.Fatalf("At(1,2,3) = %d, want 23", got)
	}
	tr := Trial{Periods: []Period{{"fixation", 0, 5}, {"decision", 5, 9}}}
	p, ok := tr.Period("decision")
	if !ok || p.Start != 5 || p.End != 9 {
		t.Fatalf("Period(decision) = %v, %v", p, ok)
	}
	if _, ok := tr.Period("delay"); ok {
		t.Fatal("found a period that does not exist")
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
