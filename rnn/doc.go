// Package rnn is dale's continuous-time recurrent network: one gorgonia
// graph that maps inputs [batch, time, in] to readouts [batch, time, out],
// firing rates and membrane potentials, with Dale's law and connectivity
// masks inside the graph so that gradients respect them.
//
// # Dynamics (nn4n's)
//
//	v_t = (1−α)⊙v_{t−1} + α⊙(r_{t−1} W_rec + u_t W_in + b_rec) + ξ_t
//	r_t = f(v_t) + η_t
//	y_t = r_t W_out + b_out
//
// with α = dt/τ per neuron (optionally learned), v_0 zero or learned, ξ and η
// Gaussian pre- and post-activation noise in training mode only.
//
// # Orientation
//
// Every matrix is (pre, post): rows are the sending side. W_in is In×N,
// W_rec N×N, W_out N×Out, a state row vector maps forward as r W, and an
// inhibitory neuron is a negative ROW of W_rec and W_out. Masks use the same
// orientation (as package mask writes them).
//
// # Dale's law
//
// With dale (the default whenever a mask holds a −1) every forward pass
// computes the effective weights as graph nodes
//
//	W_eff = |W| ⊙ M      (M: +1 excitatory, −1 inhibitory, 0 no synapse)
//
// for all three layers ([EffectiveNode]: one op, bit for bit gorgonia's Abs
// followed by HadamardProd), so the loss's gradient reaches the raw weights
// W through the absolute value, every effective weight keeps the sign its mask
// gives whatever the optimiser does, and masked synapses are exactly 0. A
// 0/1 mask with dale means excitatory-only, and so does a layer without a
// mask (inputs are excitatory), except that a readout without a mask takes
// each neuron's sign from its hidden row. With dale false masks only remove
// synapses: W_eff = W ⊙ |M|. Raw weights start away from exactly 0 where the
// mask is nonzero (the gradient of |w| is 0 at 0). A neuron is inhibitory
// when its row of the hidden mask holds a −1 ([Masks.Excitatory]).
// Config.InputSign "free" takes the input layer out of the rule (W_in,eff =
// W_in ⊙ |M_in|, either sign) and keeps it on the recurrent and readout
// layers: the inputs then stand for signals from outside the network.
//
// # Use
//
// [New] builds a [Model] from a [Config] (JSON with nn4n's names, see
// [ParseConfig]); [Model.Build] gives a [Graph] for a batch size and number
// of steps in [Train] or [Eval] mode, to which a trainer adds its loss;
// [Model.Forward] runs an evaluation; [Model.Save] and [Load] write and read
// one .npz checkpoint that numpy can read. The recurrence runs on one of two
// engines: "fused" (the whole time loop as one op over BLAS, with a
// hand-written backward through time) or "unrolled" (a plain per-step
// gorgonia graph, the reference).
//
// # Input that is checked
//
// Nothing a config, a weight file or a checkpoint holds makes the package
// panic or run out of memory: [Load] and [New] check every parameter array
// (dtype, shape, finite values) and mask before building a model, and
// [Config.ModelBytes] and [Config.GraphBytes] estimate the memory a model
// and its graphs take before anything is allocated; New, Load and
// [Model.Build] refuse what would not fit in the memory left
// (internal/memlimit), with an error naming the setting.
package rnn
