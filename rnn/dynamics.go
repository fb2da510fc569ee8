package rnn

import (
	"fmt"
	"math"
)

// Dynamics is a model's single-step map, without noise, in float64: the
// view of the dynamics that analysis needs (fixed points, linearisation).
// With drive d = u W_in + b_rec for a constant input u,
//
//	F(v) = (1 − α)⊙v + α⊙(f(v) W_rec + d)
//
// on membrane potentials v (the model's state: v_t = F(v_{t−1}) for the
// input of step t), rates r = f(v) and readout y = r W_out + b_out. Its
// Jacobian, with J[i][j] = ∂F_i/∂v_j (row i is the output), is
//
//	J = diag(1 − α) + diag(α) W_recᵀ diag(f′(v))
//
// because F_i = (1 − α_i) v_i + α_i (Σ_k f(v_k) W_rec[k][i] + d_i) and a
// state row vector maps forward as r W_rec in dale's (pre, post)
// orientation: row k of W_rec is what neuron k sends.
//
// The weights are the effective ones (|W| ⊙ M under Dale's law), copied
// when Dynamics is made; later training does not change them.
type Dynamics struct {
	N, In, Out int
	Activation Activation
	// Alpha is dt/τ (or the learned leak) per neuron.
	Alpha []float64
	// WIn (In×N), WRec (N×N) and WOut (N×Out) are the effective weights,
	// row-major (pre, post).
	WIn, WRec, WOut []float64
	// BRec (N) and BOut (Out) are the biases (zeros without them).
	BRec, BOut []float64
	// V0 is the state a trial starts from (the learned init_state, or
	// zeros).
	V0 []float64
	// Sigmoid says the readout passes through the sigmoid
	// (output_activation "sigmoid").
	Sigmoid bool
}

// Dynamics returns the model's single-step map as it is now.
func (m *Model) Dynamics() *Dynamics {
	d := m.Dims()
	win, wrec, wout := m.EffectiveFloat64()
	dyn := &Dynamics{N: d[1], In: d[0], Out: d[2], Activation: m.cfg.Activation, Alpha: m.Alpha(),
		WIn: win, WRec: wrec, WOut: wout, BRec: make([]float64, d[1]), BOut: make([]float64, d[2]), V0: make([]float64, d[1]),
		Sigmoid: m.cfg.OutputActivation == OutputSigmoid}
	if p := m.byName[NameBRec]; p != nil {
		dyn.BRec = p.Float64s()
	}
	if p := m.byName[NameBOut]; p != nil {
		dyn.BOut = p.Float64s()
	}
	if p := m.byName[NameInitState]; p != nil {
		dyn.V0 = p.Float64s()
	}
	return dyn
}

// Drive returns u W_in + b_rec for the input u (length In).
func (d *Dynamics) Drive(u []float64) ([]float64, error) {
	if len(u) != d.In {
		return nil, fmt.Errorf("rnn: dynamics: input of %d values, the network has %d inputs", len(u), d.In)
	}
	out := append([]float64(nil), d.BRec...)
	addRowProduct(out, u, d.WIn)
	return out, nil
}

// Rates writes f(v) into r (both length N).
func (d *Dynamics) Rates(v, r []float64) {
	k := d.Activation.kind()
	for i, x := range v {
		r[i] = rateF(k, x)
	}
}

// Step writes F(v) for the drive into out (all length N; out may not be v).
func (d *Dynamics) Step(v, drive, out []float64) {
	n := d.N
	r := make([]float64, n)
	d.Rates(v, r)
	copy(out, drive)
	addRowProduct(out, r, d.WRec)
	for i := range out {
		out[i] = (1-d.Alpha[i])*v[i] + d.Alpha[i]*out[i]
	}
}

// Jacobian writes ∂F/∂v at v into J (N×N, row-major, J[i*N+j] =
// ∂F_i/∂v_j).
func (d *Dynamics) Jacobian(v, J []float64) {
	n := d.N
	k := d.Activation.kind()
	fp := make([]float64, n)
	for j, x := range v {
		fp[j] = rateDF(k, x)
	}
	for i := range n {
		a := d.Alpha[i]
		row := J[i*n : (i+1)*n]
		for j := range n {
			row[j] = a * d.WRec[j*n+i] * fp[j]
		}
		row[i] += 1 - a
	}
}

// Readout writes r W_out + b_out for the rates r into y (length Out),
// through the sigmoid when Sigmoid is set (the model's output_activation).
func (d *Dynamics) Readout(r, y []float64) {
	copy(y, d.BOut)
	addRowProduct(y, r, d.WOut)
	if d.Sigmoid {
		for i, v := range y {
			y[i] = 1 / (1 + math.Exp(-v))
		}
	}
}

// addRowProduct adds the row vector x times the row-major matrix w
// (len(x) × len(out)) to out: out += x W, the (pre, post) forward map.
func addRowProduct(out, x, w []float64) {
	m := len(out)
	for k, xk := range x {
		if xk == 0 {
			continue
		}
		for i, wk := range w[k*m : (k+1)*m] {
			out[i] += xk * wk
		}
	}
}

// Speed is q(v) = ½‖F(v) − v‖², the quantity fixed-point finders
// minimise (0 exactly at a fixed point).
func (d *Dynamics) Speed(v, drive []float64) float64 {
	f := make([]float64, d.N)
	d.Step(v, drive, f)
	q := 0.0
	for i := range f {
		e := f[i] - v[i]
		q += e * e
	}
	return q / 2
}

// Finite reports whether every value of the map is finite.
func (d *Dynamics) Finite() bool {
	for _, s := range [][]float64{d.Alpha, d.WIn, d.WRec, d.WOut, d.BRec, d.BOut, d.V0} {
		for _, x := range s {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return false
			}
		}
	}
	return true
}
