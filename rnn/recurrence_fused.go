package rnn

import (
	G "gorgonia.org/gorgonia"
)

// fusedRecurrence builds the same recurrence as unrolledRecurrence as one gorgonia op for the
// whole time loop, with a hand-written backward-through-time op.
//
// TEMPORARY: until the fused op lands it builds the unrolled graph.
func fusedRecurrence(act Activation, I, W, alpha, h0, xi, eta *G.Node) (*G.Node, error) {
	return unrolledRecurrence(act, I, W, alpha, h0, xi, eta)
}
