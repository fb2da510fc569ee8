package rnn

import (
	"fmt"
	"runtime"

	"github.com/dale-rnn/dale/internal/memlimit"
)

// maxBytes is where the memory estimates saturate: any product or sum
// above it is reported as maxBytes (4 EiB), far above every machine.
const maxBytes = int64(1) << 62

// memCheck is the check New, Load and Build make before they allocate
// (tests replace it).
var memCheck = memlimit.Check

// bytesOf adds products of non-negative factors without overflow: every
// term, partial product and sum above maxBytes saturates at maxBytes, and
// a negative factor counts as 0.
type bytesOf int64

func (b bytesOf) add(factors ...int64) bytesOf {
	p := int64(1)
	for _, f := range factors {
		if f <= 0 {
			return b
		}
		if p > maxBytes/f {
			return bytesOf(maxBytes)
		}
		p *= f
	}
	if int64(b) > maxBytes-p {
		return bytesOf(maxBytes)
	}
	return b + bytesOf(p)
}

// memLayout is what the estimates need to know of a config. Where the
// config alone cannot tell (masks in a file not yet read, dale left to the
// masks) it assumes the larger case: every layer masked, dale on.
type memLayout struct {
	in, n, out int64
	size       int64    // bytes per value of the dtype
	masked     [3]bool  // layers with a mask in the graph
	given      [3]bool  // layers whose mask the model keeps twice (as given and in use)
	eff        [3]bool  // layers whose effective weights are a separate tensor (mask or dale)
	plastic    [3]bool  // layers with per-synapse plasticity
	weights    [3]int64 // elements of W_in, W_rec, W_out
	params     int64    // elements of every trained parameter
	ok         bool     // dims are three positive numbers
}

func (c Config) layout() memLayout {
	var l memLayout
	if len(c.Dims) != 3 || c.Dims[0] <= 0 || c.Dims[1] <= 0 || c.Dims[2] <= 0 {
		return l
	}
	l.ok = true
	l.in, l.n, l.out = int64(c.Dims[0]), int64(c.Dims[1]), int64(c.Dims[2])
	l.size = 4
	if c.DType == Float64 {
		l.size = 8
	}
	file := c.MaskFile != ""
	given := [3][]float64{c.Masks.Input, c.Masks.Hidden, c.Masks.Readout}
	for i := range l.given {
		l.given[i] = given[i] != nil || file
		l.masked[i] = l.given[i]
	}
	if c.NoSelfConnections {
		l.masked[1] = true
	}
	dale := c.Masks.underDale(c.InputSign).signed() || file
	if c.Dale != nil {
		dale = *c.Dale
	}
	if dale && (file || signedRows(c.Masks.Hidden)) {
		l.masked[2] = true // the readout takes each neuron's sign
	}
	for i := range l.eff {
		l.eff[i] = l.masked[i] || layerDale(dale, c.InputSign, i)
	}
	for i := range l.plastic {
		if len(c.Plasticity) == 1 || len(c.Plasticity) == 3 {
			p := layerEntry(c.Plasticity, i)
			l.plastic[i] = p.Values != nil || p.File != "" || p.Value != 1
		}
	}
	l.weights = [3]int64{int64(bytesOf(0).add(l.in, l.n)), int64(bytesOf(0).add(l.n, l.n)), int64(bytesOf(0).add(l.n, l.out))}
	p := bytesOf(0).add(l.weights[0]).add(l.weights[1]).add(l.weights[2])
	bs := [2]string{"zero", "zero"}
	if len(c.Biases) >= 1 && len(c.Biases) <= 3 {
		bs = c.biasEntries()
	}
	if bs[0] != "none" {
		p = p.add(l.n)
	}
	if bs[1] != "none" {
		p = p.add(l.out)
	}
	if c.LearnAlpha {
		p = p.add(l.n)
	}
	if c.InitState == "learn" {
		p = p.add(l.n)
	}
	l.params = int64(p)
	return l
}

// modelOverhead is the fixed bytes of a model (its structs, maps and the
// small effective-weight graph), as measured.
const modelOverhead = 24 << 10

// unrolledStepNodeBytes is what the gorgonia nodes of one unrolled step
// take besides their values (about 20 nodes), measured; a training graph
// has about three times as many.
const unrolledStepNodeBytes = 10 << 10

// modelOwnBytes is what a Model of c holds itself (see ModelBytes).
func (l memLayout) modelOwnBytes() bytesOf {
	b := bytesOf(modelOverhead)
	b = b.add(l.params, l.size) // the parameters
	b = b.add(l.n, 8)           // dt/tau per neuron
	for i, w := range l.weights {
		if l.masked[i] {
			b = b.add(w, 8)      // the mask in use (float64)
			b = b.add(w, l.size) // its leaf in the effective-weight graph
		}
		if l.given[i] {
			b = b.add(w, 8) // the mask as given, kept in the config
		}
		if l.plastic[i] {
			b = b.add(w, 8)
		}
		b = b.add(w, l.size) // the effective-weight graph's result
	}
	return b
}

// ModelBytes estimates, without allocating, the bytes a model built from
// c holds while it trains: the parameters in the config's dtype (w_in,
// w_rec, w_out and, as configured, b_rec, b_out, alpha, init_state); the
// masks (float64, the mask in use and the one given, for every layer with
// a mask: all three when a mask file is named, since its layers are not
// known before it is read) and per-synapse plasticity (float64); the small
// graph that computes the effective weights for Effective and Save (its
// mask leaves and results in the dtype); and, per trained parameter value,
// what a trainer keeps: an Adam optimiser's two float64 moments, a float64
// gradient and a copy in the dtype (as train.Run does). The gradients
// inside a training graph are part of [Config.GraphBytes]. c should
// Validate; the result saturates at 1<<62 and is 0 for dims that are not
// three positive numbers.
func (c Config) ModelBytes() int64 {
	l := c.layout()
	if !l.ok {
		return 0
	}
	b := l.modelOwnBytes()
	b = b.add(l.params, 2*8+8+l.size) // Adam's m and v, the float64 gradient, the scratch copy
	return int64(b)
}

// GraphBytes estimates, without allocating, the bytes one graph of c for
// batch trials of steps steps holds once it has run (Model.Build, and in
// training gorgonia.Grad and a TapeMachine with the parameters' dual
// values bound, as train.Run does). Let BTN = batch·steps·N.
//
// Both modes: the input leaf [B,T,In]; the mask leaves and the effective
// weights; the input drive, the potentials V, the rates and, on the fused
// engine, the rates and derivatives the forward keeps for the backward
// (5 × BTN); the outputs [B,T,Out].
//
// With train (a graph in Train mode with gradients): the noise leaves
// (BTN each, when preact_noise or postact_noise > 0); a loss over the
// outputs (targets, mask and a few intermediates of [B,T,Out]); the
// gradients of the outputs, the rates and the potentials and the fused
// backward's packed result (4 × BTN); the backward's buffers (W_rec's
// size twice, and once more per extra goroutine it splits the batch
// among, up to GOMAXPROCS); and two gradients per parameter (the graph's
// and the dual value's), plus one per raw weight behind an effective
// weight.
//
// The unrolled engine keeps every step's intermediate values and
// gradients: about 24 B×N tensors and 60 gorgonia nodes per step, its
// input split through a tree of log2(steps) copies of BTN (three times
// over with gradients), and one N×N gradient of W_rec per step. What Forward returns (float32 copies of outputs, rates and
// potentials) is not counted. Sizes saturate at 1<<62; invalid dims or a
// batch or steps ≤ 0 give 0.
func (c Config) GraphBytes(batch, steps int, train bool) int64 {
	l := c.layout()
	if !l.ok || batch <= 0 || steps <= 0 {
		return 0
	}
	s := l.size
	B, T := int64(batch), int64(steps)
	bt := bytesOf(0).add(B, T)
	btn := int64(bytesOf(0).add(int64(bt), l.n))
	var b bytesOf
	b = b.add(int64(bt), l.in, s) // inputs
	for i, w := range l.weights {
		if l.masked[i] {
			b = b.add(w, s) // mask leaf
		}
		if l.eff[i] {
			b = b.add(w, s) // effective weights
		}
	}
	b = b.add(int64(bt), l.out, s) // outputs
	b = b.add(3, btn, s)           // drive, V, rates
	unrolled := c.Engine == EngineUnrolled
	if !unrolled {
		b = b.add(2, btn, s) // the forward's saved rates and derivatives
	}
	if train {
		if c.PreactNoise > 0 {
			b = b.add(btn, s)
		}
		if c.PostactNoise > 0 {
			b = b.add(btn, s)
		}
		b = b.add(6, int64(bt), l.out, s) // a loss over the outputs, its gradient
		b = b.add(2, l.params, s)         // gradient and dual value per parameter
		for i, w := range l.weights {
			if l.eff[i] {
				b = b.add(w, s) // gradient of the raw weights behind W_eff
			}
		}
		if !unrolled {
			parts := int64(max(1, min(runtime.GOMAXPROCS(0), batch/4)))
			b = b.add(4, btn, s)                // dR, dV, packed dI, dL/dY·W_outᵀ
			b = b.add(1+parts, l.weights[1], s) // packed dW, diag(α)Wᵀ, partial sums
			b = b.add(B, l.n, s)                // per-step scratch
		}
	}
	if unrolled {
		// per step: r·W, + I, α⊙, (1−α)⊙, +, f(v) (2 for relu), noise
		nodes := int64(unrolledStepNodeBytes)
		perStep := int64(8)
		levels := int64(1)
		for t := int64(1); t < T; t *= 2 {
			levels++
		}
		b = b.add(levels, btn, s) // the split of I through stepRangeOps
		if train {
			perStep *= 3                  // each value's gradient, and gorgonia's sums of them
			b = b.add(2, levels, btn, s)  // the split's gradient (stepPadOps) and gorgonia's sums of it
			b = b.add(T, l.weights[1], s) // one dW_rec per step
		}
		b = b.add(perStep, btn, s)
		b = b.add(T, nodes) // gorgonia's nodes and their tensor headers
	}
	return int64(b)
}

// checkModelMemory checks, before a model of cfg is allocated, that what
// the model holds and the float64 copies of its weights that New draws or
// Load reads fit in the memory left.
func checkModelMemory(cfg Config) error {
	l := cfg.layout()
	if !l.ok {
		return nil
	}
	need := l.modelOwnBytes()
	for _, w := range l.weights {
		need = need.add(w, 8)
	}
	return memCheck(int64(need), fmt.Sprintf("rnn: dims = %v", cfg.Dims))
}
