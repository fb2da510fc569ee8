package tasks

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkSamplePDM64 generates the default pdm batch: 64 trials × 100
// steps (the shape of a training step at config R).
func BenchmarkSamplePDM64(b *testing.B) {
	task, err := New("pdm", nil)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := task.Sample(rng, 64); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSampleAnti64 is a wide task: 64 trials × 150 steps × 33 inputs.
func BenchmarkSampleAnti64(b *testing.B) {
	task, err := New("antisaccade", nil)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := task.Sample(rng, 64); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScorePDM64 scores a 64-trial pdm batch.
func BenchmarkScorePDM64(b *testing.B) {
	task, err := New("pdm", nil)
	if err != nil {
		b.Fatal(err)
	}
	bt, err := task.Sample(rand.New(rand.NewPCG(1, 2)), 64)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := task.Score(bt, bt.Targets); err != nil {
			b.Fatal(err)
		}
	}
}
