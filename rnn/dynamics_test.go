package rnn

import (
	"math"
	"math/rand/v2"
	"testing"
)

func dynModel(t *testing.T, act Activation, learnInit bool) *Model {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Dims = []int{3, 12, 2}
	cfg.Activation = act
	cfg.DType = "float64"
	cfg.Biases = Strings{"normal"}
	if learnInit {
		cfg.InitState = "learn"
	}
	m, err := New(cfg, rand.New(rand.NewPCG(4, 5)))
	if err != nil {
		t.Fatal(err)
	}
	if learnInit {
		for i, p := range m.Params() {
			if p.Name == NameInitState {
				d := p.Value.Data().([]float64)
				for j := range d {
					d[j] = 0.3 * math.Sin(float64(i+j))
				}
			}
		}
	}
	return m
}

// The Jacobian is the derivative of Step, checked against central finite
// differences for every activation, at states where no unit sits on
// relu's kink.
func TestDynamicsJacobianFiniteDifferences(t *testing.T) {
	for _, act := range []Activation{ReLU, Tanh, Sigmoid, ReTanh, Softplus} {
		t.Run(string(act), func(t *testing.T) {
			d := dynModel(t, act, false).Dynamics()
			rng := rand.New(rand.NewPCG(1, uint64(len(act))))
			drive, err := d.Drive([]float64{0.5, -0.2, 1})
			if err != nil {
				t.Fatal(err)
			}
			n := d.N
			v := make([]float64, n)
			for i := range v {
				v[i] = rng.NormFloat64()
				if math.Abs(v[i]) < 0.05 {
					v[i] = 0.3
				}
			}
			J := make([]float64, n*n)
			d.Jacobian(v, J)
			const h = 1e-6
			fp, fm := make([]float64, n), make([]float64, n)
			worst := 0.0
			for j := range n {
				vp, vm := append([]float64(nil), v...), append([]float64(nil), v...)
				vp[j] += h
				vm[j] -= h
				d.Step(vp, drive, fp)
				d.Step(vm, drive, fm)
				for i := range n {
					fd := (fp[i] - fm[i]) / (2 * h)
					worst = math.Max(worst, math.Abs(fd-J[i*n+j]))
				}
			}
			if worst > 1e-7 {
				t.Errorf("largest |J − finite difference| = %g", worst)
			}
		})
	}
}

// Iterating Step from V0 on a constant input gives the potentials and
// readouts Forward computes, step for step.
func TestDynamicsMatchesForward(t *testing.T) {
	for _, learnInit := range []bool{false, true} {
		m := dynModel(t, Tanh, learnInit)
		d := m.Dynamics()
		u := []float64{0.4, -1, 0.25}
		const steps = 20
		x := make([]float32, steps*3)
		for s := range steps {
			for k := range 3 {
				x[s*3+k] = float32(u[k])
			}
		}
		res, err := m.Forward(x, 1, steps)
		if err != nil {
			t.Fatal(err)
		}
		drive, _ := d.Drive(u)
		v, next := append([]float64(nil), d.V0...), make([]float64, d.N)
		r, y := make([]float64, d.N), make([]float64, d.Out)
		for s := range steps {
			d.Step(v, drive, next)
			v, next = next, v
			d.Rates(v, r)
			d.Readout(r, y)
			for i := range d.N {
				if math.Abs(v[i]-float64(res.Potentials[s*d.N+i])) > 1e-6 {
					t.Fatalf("init %v step %d neuron %d: Step %g, Forward %g", learnInit, s, i, v[i], res.Potentials[s*d.N+i])
				}
			}
			for o := range d.Out {
				if math.Abs(y[o]-float64(res.Outputs[s*d.Out+o])) > 1e-6 {
					t.Fatalf("step %d output %d: Readout %g, Forward %g", s, o, y[o], res.Outputs[s*d.Out+o])
				}
			}
		}
	}
	if _, err := dynModel(t, ReLU, false).Dynamics().Drive([]float64{1}); err == nil {
		t.Error("an input of the wrong width was accepted")
	}
}
