package rnn

import (
	"testing"

	"github.com/dale-rnn/dale/internal/blas"
	G "gorgonia.org/gorgonia"
)

// Building a graph points gorgonia's own products at dale's BLAS, whoever
// builds it (no caller has to call blas.UseInGorgonia).
func TestBuildUsesDaleBLASInGorgonia(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Dims = []int{1, 4, 1}
	m, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Build(1, 2, Eval); err != nil {
		t.Fatal(err)
	}
	if got, want := G.WhichBLAS(), G.BLAS(blas.Implementation()); got != want {
		t.Errorf("gorgonia's BLAS is %T, want dale's %T (%s)", got, want, blas.Name())
	}
}
